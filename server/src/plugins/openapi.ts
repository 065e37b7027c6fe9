import type {
  FastifyInstance,
  FastifyReply,
  FastifyRequest,
  FastifyServerOptions,
  RouteOptions,
} from 'fastify';

const DOCS = '/docs';

const OPENAPI = {
  info: {
    title: 'PocketLLM API',
    description: 'Multi-user LLM chat server. Every route under /v1 also answers under /api/v1.',
    version: '0.1.0',
  },
  components: {
    securitySchemes: { bearerAuth: { type: 'http' as const, scheme: 'bearer', bearerFormat: 'JWT' } },
  },
  security: [{ bearerAuth: [] }],
};

// The copied routes only answer 404: their schemas are read by @fastify/swagger, never compiled.
const noCompilers = {
  buildValidator: () => () => () => true,
  buildSerializer: () => () => (data: unknown) => JSON.stringify(data),
} as unknown as NonNullable<FastifyServerOptions['schemaController']>['compilersFactory'];

// The inner response's framing, which the relayed reply sets itself.
const FRAMING = new Set(['connection', 'keep-alive', 'transfer-encoding', 'content-length', 'date']);

/**
 * The documentation app: @fastify/swagger and its UI under /docs, over copies of the app's routes (same method,
 * URL, schema and config, in the same order), so /docs/json is what the plugin would have made inside the app.
 */
async function buildDocs(routes: RouteOptions[]): Promise<FastifyInstance> {
  const [{ default: Fastify }, { default: swagger }, { default: swaggerUi }, { jsonSchemaTransform }] =
    await Promise.all([
      import('fastify'),
      import('@fastify/swagger'),
      import('@fastify/swagger-ui'),
      import('fastify-type-provider-zod'),
    ]);
  const docs = Fastify({ exposeHeadRoutes: false, schemaController: { compilersFactory: noCompilers } });
  await docs.register(swagger, { openapi: OPENAPI, transform: jsonSchemaTransform });
  await docs.register(swaggerUi, { routePrefix: DOCS });
  // A request the relay sends that lands on a copy (the portal's `/*`, say) is no documentation page.
  const notDocs = (_req: FastifyRequest, reply: FastifyReply) => reply.code(404).send();
  for (const r of routes) {
    docs.route({
      method: r.method,
      url: r.url,
      handler: notDocs,
      ...(r.schema ? { schema: r.schema } : {}),
      ...(r.config ? { config: r.config } : {}),
      ...(r.constraints ? { constraints: r.constraints } : {}),
    });
  }
  await docs.ready();
  return docs;
}

/**
 * OpenAPI generated from the routes' zod schemas: /docs (UI) and /docs/json. The swagger plugins, their UI's
 * static files and the schema conversion load on the first /docs request, not at start (they were a tenth of a
 * restart's CPU): the app only records its routes as they are added, as @fastify/swagger itself does.
 */
export async function registerOpenApi(app: FastifyInstance) {
  const routes: RouteOptions[] = [];
  app.addHook('onRoute', (route) => {
    // @fastify/swagger leaves out the HEAD routes Fastify adds; the copies get none.
    if (route.method === 'HEAD' || route.url === DOCS || route.url.startsWith(`${DOCS}/`)) return;
    routes.push(route);
  });
  let docs: Promise<FastifyInstance> | null = null;
  const relay = async (req: FastifyRequest, reply: FastifyReply) => {
    docs ??= buildDocs(routes).catch((err: unknown) => {
      docs = null;
      throw err;
    });
    const res = await (await docs).inject({ method: 'GET', url: req.url, headers: req.headers });
    // Not a documentation page: the app's own 404, as when no route matched.
    if (res.statusCode === 404) return reply.callNotFound();
    for (const [name, value] of Object.entries(res.headers)) {
      if (value !== undefined && !FRAMING.has(name)) reply.header(name, value);
    }
    // An empty body (a redirect) is sent as none, so no content type is made up for it.
    return reply.code(res.statusCode).send(res.rawPayload.length ? res.rawPayload : undefined);
  };
  app.get(DOCS, { schema: { hide: true } }, relay);
  app.get(`${DOCS}/*`, { schema: { hide: true } }, relay);
}
