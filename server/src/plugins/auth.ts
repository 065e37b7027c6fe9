import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Config } from '../config.js';
import { AppError } from '../errors.js';
import type { AuthService, Principal } from '../features/auth/auth.service.js';

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | null;
  }
  interface FastifyContextConfig {
    /** No token needed (login, register, waitlist, public files). */
    public?: boolean;
    /** Only admins. */
    admin?: boolean;
  }
}

function bearerToken(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (!header) return undefined;
  const [scheme, token] = header.split(' ', 2);
  if (scheme?.toLowerCase() !== 'bearer' || !token) {
    throw new AppError('unauthorized', 'Authorization header must be "Bearer <token>"');
  }
  return token;
}

/**
 * Every /v1 route needs a valid token unless it is marked `config: { public: true }`;
 * `config: { admin: true }` also requires the admin role. Single-user mode lets token-less
 * requests act as the built-in local user.
 */
export function registerAuth(app: FastifyInstance, config: Config, auth: AuthService) {
  app.decorateRequest('principal', null);

  app.addHook('onRequest', async (request) => {
    const routeConfig = request.routeOptions.config;
    const url = request.routeOptions.url ?? '';
    if (!url.startsWith('/v1/')) return;
    const token = bearerToken(request);
    if (token) {
      request.principal = await auth.authenticate(token);
    } else if (config.authMode === 'single-user') {
      request.principal = await auth.ensureLocalUser();
    }
    if (routeConfig.public) return;
    if (!request.principal) throw new AppError('unauthorized');
    if (routeConfig.admin && request.principal.role !== 'admin') {
      throw new AppError('forbidden', 'This needs the admin role');
    }
  });
}

/** The caller of an authenticated route (the hook above guarantees one). */
export function principalOf(request: FastifyRequest): Principal {
  if (!request.principal) throw new AppError('unauthorized');
  return request.principal;
}
