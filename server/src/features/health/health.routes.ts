import { sql } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../context.js';
import { sendError } from '../../plugins/error-handler.js';

/**
 * Liveness and readiness, outside /v1 and without auth, for load balancers and orchestrators. Readiness is
 * `degraded` (with reasons) while events from other instances do not arrive.
 */
export async function healthRoutes(app: FastifyInstance, ctx: AppContext) {
  app.get('/healthz', { schema: { hide: true } }, async () => ({ status: 'ok' }));

  app.get('/readyz', { schema: { hide: true } }, async (request, reply) => {
    if (!ctx.state.ready) {
      return sendError(
        request,
        reply,
        { code: 'not_ready', message: 'migrations have not been applied yet' },
        503,
      );
    }
    try {
      await ctx.db.execute(sql`select 1`);
    } catch {
      return sendError(request, reply, { code: 'not_ready', message: 'database unreachable' }, 503);
    }
    // Redis being away degrades rather than fails (limits and logouts fall back to the database and this
    // process), so the instance stays in rotation; the reason is shown for operators and monitors.
    const bus = ctx.bus.status();
    if (!bus.subscribed) return { status: 'degraded', reasons: [`event bus: ${bus.reason}`] };
    return { status: 'ready' };
  });
}
