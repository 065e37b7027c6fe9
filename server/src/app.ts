import cors from '@fastify/cors';
import Fastify, { type FastifyInstance, type FastifyServerOptions, LogController } from 'fastify';
import { serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import type { Config } from './config.js';
import type { AppContext, AppDeps } from './context.js';
import { pgliteAutoAnalyze } from './db/auto-analyze.js';
import { healthRoutes } from './features/health/health.routes.js';
import { openaiRoutes } from './features/openai/openai.routes.js';
import { featureRoutes } from './features/registry.js';
import { prometheusRoutes, registerHttpMetrics } from './features/telemetry/prometheus.routes.js';
import { createMemoryBus, createRedisBus } from './lib/event-bus.js';
import { Lifecycle } from './lib/lifecycle.js';
import { RateLimiter } from './lib/rate-limiter.js';
import { registerAuth } from './plugins/auth.js';
import { frameworkErrors, registerErrorHandler } from './plugins/error-handler.js';
import { registerInputGuard } from './plugins/input-guard.js';
import { registerOpenApi } from './plugins/openapi.js';
import { genRequestId, registerRequestLogging } from './plugins/request-logging.js';
import { registerWeb } from './plugins/web.js';
import { createServices } from './services.js';

declare module 'fastify' {
  interface FastifyInstance {
    ctx: AppContext;
  }
}

/** `/api/v1/...` is the portal's prefix for the same routes. */
function rewriteUrl(req: { url?: string }): string {
  const url = req.url ?? '/';
  return url === '/api/v1' || url.startsWith('/api/v1/') || url.startsWith('/api/v1?') ? url.slice(4) : url;
}

// Fastify types these factories after ajv's compilers; at run time any compiler of a route schema will do.
const zodCompilers = {
  buildValidator: () => validatorCompiler,
  buildSerializer: () => serializerCompiler,
} as unknown as NonNullable<FastifyServerOptions['schemaController']>['compilersFactory'];

/** Builds the whole HTTP app without listening: main.ts listens, tests call `inject`. */
export async function buildApp(config: Config, deps: AppDeps): Promise<FastifyInstance> {
  const redis = deps.redis ?? null;
  const bus = deps.bus ?? (redis ? createRedisBus(redis, deps.logger) : createMemoryBus());
  const app = Fastify({
    loggerInstance: deps.logger,
    logController: new LogController({ disableRequestLogging: true, requestIdLogLabel: 'request_id' }),
    genReqId: genRequestId,
    bodyLimit: config.bodyLimitBytes,
    trustProxy: config.trustProxy,
    rewriteUrl,
    frameworkErrors,
    // Path parameters are judged by the routes' schemas (a 400 naming the field), not cut off by the router:
    // past its limit a too-long id fell through to the portal's `/*` fallback and answered 404 whenever the
    // portal was built. Node's header size limit (16 KB) already bounds a URL.
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 16_384 },
    // Every route is validated and serialized by zod: given here, Fastify never loads its default compilers
    // (ajv and fast-json-stringify), which were a quarter of a restart's CPU.
    schemaController: { compilersFactory: zodCompilers },
  });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);

  const lifecycle = new Lifecycle(deps.logger);
  const services = createServices({
    config,
    db: deps.database.db,
    redis,
    bus,
    logger: deps.logger,
    lifecycle,
  });
  // Added after the services': it starts last, once migrations are applied, and its first pass runs then.
  if (deps.database.kind === 'pglite')
    lifecycle.add(
      pgliteAutoAnalyze({
        db: deps.database.db,
        intervalMs: config.pgliteAnalyzeIntervalMs,
        logger: deps.logger,
      }),
    );
  const ctx: AppContext = {
    config,
    db: deps.database.db,
    database: deps.database,
    redis,
    bus,
    logger: deps.logger,
    services,
    lifecycle,
    rateLimiter: new RateLimiter(redis, deps.logger),
    state: { ready: false, startedAt: Date.now() },
  };
  app.decorate('ctx', ctx);

  registerErrorHandler(app);
  registerInputGuard(app);
  registerRequestLogging(app);
  registerHttpMetrics(app, ctx);
  registerAuth(app, config, services.auth);
  await registerOpenApi(app);
  if (config.corsOrigins.length) await app.register(cors, { origin: config.corsOrigins, credentials: true });

  await app.register(healthRoutes, ctx);
  await app.register(prometheusRoutes, ctx);
  await app.register(
    async (v1) => {
      for (const routes of featureRoutes) await routes(v1, ctx);
    },
    { prefix: '/v1' },
  );
  // The OpenAI-compatible API: its own auth (personal API keys) and OpenAI's error shape.
  await app.register(async (openai) => openaiRoutes(openai, ctx), { prefix: '/openai/v1' });
  // Last: the portal's catch-all must not shadow any API route.
  await registerWeb(app);
  app.addHook('onClose', async () => {
    // Per-key hits counted in process since the last sync go to the shared count before Redis is closed.
    // Bounded: a Redis that is away must not hold up shutdown.
    await Promise.race([
      ctx.rateLimiter.syncBatched().catch(() => undefined),
      new Promise((r) => setTimeout(r, 500).unref()),
    ]);
    await lifecycle.stop();
    await bus.close();
  });
  return app;
}
