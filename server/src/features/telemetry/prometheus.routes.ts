import { timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AppContext } from '../../context.js';
import { AppError } from '../../errors.js';

/**
 * Observes every response in the HTTP histogram, labelled by route pattern (never the raw URL, whose ids
 * would make the label set unbounded). Registered on the root app so it sees every route.
 */
export function registerHttpMetrics(app: FastifyInstance, ctx: AppContext) {
  const prom = ctx.services.telemetry.prometheus;
  app.addHook('onResponse', async (request, reply) => {
    prom.observeHttp(
      request.method,
      request.routeOptions.url ?? 'unmatched',
      reply.statusCode,
      reply.elapsedTime / 1000,
    );
  });
}

const sameSecret = (a: string, b: string) => {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
};

/**
 * GET /metrics, Prometheus text, outside /v1 for scrapers. METRICS_ACCESS: `token` (default: Bearer
 * METRICS_TOKEN, or an admin's access token — route labels and counters describe the deployment, which is no
 * business of the public), `public`, or `off`.
 */
export async function prometheusRoutes(app: FastifyInstance, ctx: AppContext) {
  const { access, token } = ctx.config.metrics;
  if (access === 'off') return;
  const prom = ctx.services.telemetry.prometheus;
  const authorize = async (req: FastifyRequest) => {
    if (access !== 'token') return;
    const header = req.headers.authorization ?? '';
    if (token && sameSecret(header, `Bearer ${token}`)) return;
    const bearer = /^Bearer (\S+)$/i.exec(header)?.[1];
    if (!bearer) throw new AppError('unauthorized', 'A metrics token or an admin access token is required');
    const principal = await ctx.services.auth.authenticate(bearer);
    if (principal.role !== 'admin')
      throw new AppError('forbidden', 'Metrics need the admin role or the metrics token');
  };
  app.get('/metrics', { schema: { hide: true }, preHandler: authorize }, async (_req, reply) =>
    reply.type(prom.contentType).send(await prom.text()),
  );
}
