/**
 * A tiny in-memory stand-in for the API behind `fetch`, for component tests: routes are matched on
 * method + path and answer real Response objects (JSON or SSE), so the client code runs unchanged.
 */
import { vi } from 'vitest';

type Handler = (req: { body: unknown; headers: Headers; url: URL }) => Response | Promise<Response>;

export function json(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
}

export function sse(events: { event: string; data: unknown; id?: number }[]): Response {
  const text = events
    .map(
      (e) =>
        `event: ${e.event}\n${e.id !== undefined ? `id: ${e.id}\n` : ''}data: ${JSON.stringify(e.data)}\n\n`,
    )
    .join('');
  return new Response(text, { headers: { 'content-type': 'text/event-stream' } });
}

export function installFakeApi(routes: Record<string, Handler>) {
  const calls: { method: string; path: string; body: unknown; headers: Headers }[] = [];
  const fetchFn = vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
    const url = new URL(String(input), 'http://portal.test');
    const method = (init?.method ?? 'GET').toUpperCase();
    const path = url.pathname.replace(/^\/api\/v1/, '');
    const headers = new Headers(init?.headers);
    const body: unknown = typeof init?.body === 'string' ? JSON.parse(init.body) : (init?.body ?? null);
    calls.push({ method, path, body, headers });
    const handler = routes[`${method} ${path}`];
    if (!handler)
      return json({ error: { code: 'not_found', message: `No route for ${method} ${path}` } }, 404);
    return handler({ body, headers, url });
  });
  vi.stubGlobal('fetch', fetchFn);
  return { calls };
}

export const now = new Date().toISOString();

export function user(over: Record<string, unknown> = {}) {
  return {
    id: '00000000-0000-4000-8000-000000000001',
    email: 'ada@example.com',
    username: null,
    full_name: 'Ada',
    bio: null,
    profession: null,
    date_of_birth: null,
    avatar_url: null,
    survey_completed: false,
    role: 'admin',
    disabled: false,
    created_at: now,
    updated_at: now,
    ...over,
  };
}

export function msg(over: Record<string, unknown> = {}) {
  return {
    id: '00000000-0000-4000-8000-00000000a001',
    chat_id: '00000000-0000-4000-8000-0000000c0001',
    parent_id: null,
    role: 'assistant',
    content: '',
    status: 'completed',
    metadata: {},
    rating: null,
    pinned: false,
    attachments: [],
    created_at: now,
    updated_at: now,
    ...over,
  };
}

/** The answer of `GET /models` with one OpenAI chat model, gpt-4o-mini. */
export const oneModel = () =>
  json({
    models: [{ id: 'gpt-4o-mini', name: 'gpt-4o-mini', provider: 'openai', kind: 'chat' }],
    message: '',
    configured_providers: ['openai'],
    missing_providers: [],
    errors: [],
  });
