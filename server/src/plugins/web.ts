import { readFileSync } from 'node:fs';
import path from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { SERVER_ROOT } from '../lib/package-root.js';

/** The portal's build, web/dist beside the server package. */
export const DEFAULT_WEB_ROOT = `${path.join(SERVER_ROOT, '..', 'web', 'dist')}${path.sep}`;

/** Paths that belong to the API and operations; they never fall back to the portal. */
const API_PREFIXES = ['/v1', '/api', '/docs', '/healthz', '/readyz', '/metrics'];

const NOT_BUILT = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>PocketLLM</title></head>
<body style="font-family: system-ui, sans-serif; max-width: 40rem; margin: 4rem auto; padding: 0 1rem">
<h1>PocketLLM</h1>
<p>The API is running, but the web portal has not been built. Run <code>npm run build</code> and restart the server.</p>
<p>The API reference is at <a href="/docs">/docs</a>.</p>
</body></html>`;

function isApiPath(url: string): boolean {
  const p = url.split('?')[0] ?? '/';
  return API_PREFIXES.some((prefix) => p === prefix || p.startsWith(`${prefix}/`));
}

/** Content-hashed build output never changes under its name; everything else is revalidated. */
function cacheControlFor(filePath: string): string {
  if (filePath.endsWith('index.html')) return 'no-cache';
  if (filePath.split(path.sep).includes('assets')) return 'public, max-age=31536000, immutable';
  return 'public, max-age=3600';
}

/**
 * Serves the built portal at `/` with its caching headers, and answers `index.html` for client-side routes
 * (a GET that accepts HTML and is not an API path). Anything else still gets the API's JSON 404.
 * Registered after the routes so every API route wins.
 */
export async function registerWeb(
  app: FastifyInstance,
  opts: { root?: string; authMode?: 'multi-user' | 'single-user'; inviteRequired?: boolean } = {},
): Promise<void> {
  const root = opts.root ?? DEFAULT_WEB_ROOT;
  const authMode = opts.authMode ?? (app.hasDecorator('ctx') ? app.ctx.config.authMode : undefined);
  const inviteRequired =
    opts.inviteRequired ?? (app.hasDecorator('ctx') ? app.ctx.config.inviteRequired : undefined);
  // Read once at start; a missing (or half-rebuilt) build answers the how-to-build page instead.
  let page: string | null = null;
  try {
    page = readFileSync(path.join(root, 'index.html'), 'utf8');
  } catch {
    page = null;
  }
  if (page === null) {
    app.get('/', { schema: { hide: true } }, (_req, reply) =>
      reply.type('text/html; charset=utf-8').header('cache-control', 'no-cache').send(NOT_BUILT),
    );
    return;
  }
  await app.register(fastifyStatic, {
    root,
    prefix: '/',
    // One route per built file, so unknown paths reach the fallback below instead of a static 404.
    wildcard: false,
    index: false,
    cacheControl: false,
    setHeaders: (reply, filePath) => reply.header('cache-control', cacheControlFor(filePath)),
  });

  // The auth mode rides along in the page, so the portal knows whether to show sign-in without probing
  // the API anonymously (a 401 the browser would log as an error); so does whether sign-up needs an
  // invite, so the form asks for one only when it does.
  const meta =
    (authMode ? `<meta name="pocketllm-auth-mode" content="${authMode}">` : '') +
    (inviteRequired !== undefined
      ? `<meta name="pocketllm-invite-required" content="${inviteRequired}">`
      : '');
  const indexHtml = page.replace('</head>', `${meta}</head>`);
  const sendIndex = (_req: FastifyRequest, reply: FastifyReply) =>
    reply.type('text/html; charset=utf-8').header('cache-control', 'no-cache').send(indexHtml);
  app.get('/', { schema: { hide: true } }, sendIndex);
  app.get('/*', { schema: { hide: true } }, (req, reply) => {
    const acceptsHtml = (req.headers.accept ?? '').includes('text/html');
    if (!acceptsHtml || isApiPath(req.url)) return reply.callNotFound();
    return sendIndex(req, reply);
  });
}
