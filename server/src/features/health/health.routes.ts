import { sql } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../context.js';
import { sendError } from '../../plugins/error-handler.js';

/** Liveness and readiness, outside /v1 and without auth, for load balancers and orchestrators. */
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
    return { status: 'ready' };
  });
}
