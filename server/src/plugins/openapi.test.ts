import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../../test/helpers/build-test-app.js';

// The documentation loads on its first request (openapi.ts): what it answers must be what @fastify/swagger and
// its UI answer inside the app, and anything else under /docs the app's own 404.
let t: TestApp;
beforeAll(async () => {
  t = await buildTestApp();
});
afterAll(async () => {
  await t?.close();
});

describe('/docs', () => {
  it('serves the UI page and its static files', async () => {
    const page = await t.app.inject({ url: '/docs' });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.body).toContain('swagger-ui');
    const css = await t.app.inject({ url: '/docs/static/swagger-ui.css' });
    expect(css.statusCode).toBe(200);
    expect(css.headers['content-type']).toMatch(/^text\/css/);
    expect(css.body.length).toBeGreaterThan(1000);
    expect(Number(css.headers['content-length'])).toBe(css.rawPayload.length);
    const again = await t.app.inject({
      url: '/docs/static/swagger-ui.css',
      headers: { 'if-none-match': String(css.headers.etag) },
    });
    expect(again.statusCode).toBe(304);
  });

  it('describes the app routes, not the hidden ones, with their methods', async () => {
    const res = await t.app.inject({ url: '/docs/json' });
    expect(res.statusCode).toBe(200);
    const doc = res.json<{ info: { title: string }; paths: Record<string, Record<string, unknown>> }>();
    expect(doc.info.title).toBe('PocketLLM API');
    expect(doc.paths['/v1/auth/me']).toHaveProperty('get');
    expect(doc.paths['/v1/chats']).toHaveProperty('post');
    expect(doc.paths['/v1/chats']).not.toHaveProperty('head');
    // the two hot reads are conditional: If-None-Match in, 304 out
    for (const path of ['/v1/chats', '/v1/chats/{id}']) {
      const get = doc.paths[path]?.get as { parameters: { name: string; in: string }[]; responses: object };
      expect(get.parameters).toContainEqual(expect.objectContaining({ name: 'if-none-match', in: 'header' }));
      expect(get.responses).toHaveProperty('304');
    }
    expect(Object.keys(doc.paths).filter((p) => p.startsWith('/docs') || p === '/' || p === '/*')).toEqual(
      [],
    );
    const yaml = await t.app.inject({ url: '/docs/yaml' });
    expect(yaml.statusCode).toBe(200);
    expect(yaml.body).toContain('title: PocketLLM API');
    expect((await t.app.inject({ method: 'HEAD', url: '/docs/json' })).statusCode).toBe(200);
  });

  it('answers the app 404 shape for anything else under /docs', async () => {
    for (const url of ['/docs/nope', '/docs/static/nope.js']) {
      const res = await t.app.inject({ url, headers: { accept: 'text/html' } });
      expect(res.statusCode, url).toBe(404);
      expect(res.json<{ error: { code: string } }>().error.code, url).toBe('not_found');
    }
    expect((await t.app.inject({ method: 'POST', url: '/docs/json' })).statusCode).toBe(404);
  });
});
