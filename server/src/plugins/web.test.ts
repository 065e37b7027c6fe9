import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../../test/helpers/build-test-app.js';
import { registerWeb } from './web.js';

const html = { accept: 'text/html,application/xhtml+xml' };

describe('portal served from a build', () => {
  let dir: string;
  let app: FastifyInstance;
  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'pocketllm-web-'));
    mkdirSync(path.join(dir, 'assets'));
    writeFileSync(
      path.join(dir, 'index.html'),
      '<!doctype html><html><head><title>portal</title></head><body></body></html>',
    );
    writeFileSync(path.join(dir, 'assets', 'index-abc123.js'), 'console.log(1)');
    writeFileSync(path.join(dir, 'favicon.svg'), '<svg/>');
    app = Fastify();
    app.get('/v1/ping', () => ({ ok: true }));
    app.get('/healthz', () => ({ status: 'ok' }));
    await registerWeb(app, { root: dir, authMode: 'single-user', inviteRequired: false });
  });
  afterAll(async () => {
    await app.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves index.html at / without caching', async () => {
    const res = await app.inject({ url: '/', headers: html });
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('<title>portal</title>');
    expect(res.headers['cache-control']).toBe('no-cache');
    expect(res.body).toContain('<meta name="pocketllm-auth-mode" content="single-user">');
    expect(res.body).toContain('<meta name="pocketllm-invite-required" content="false">');
  });

  it('serves hashed assets as immutable and other files for an hour', async () => {
    const js = await app.inject({ url: '/assets/index-abc123.js' });
    expect(js.statusCode).toBe(200);
    expect(js.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(js.headers['content-type']).toMatch(/javascript/);
    const icon = await app.inject({ url: '/favicon.svg' });
    expect(icon.headers['cache-control']).toBe('public, max-age=3600');
  });

  it('falls back to index.html for client routes that accept HTML', async () => {
    const res = await app.inject({ url: '/chats/123?m=4', headers: html });
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('<title>portal</title>');
    expect(res.headers['cache-control']).toBe('no-cache');
    // A shared chat's page (/s/{token}) is a client route too: a signed-out visitor gets the portal.
    const shared = await app.inject({ url: '/s/abc_DEF-123', headers: html });
    expect(shared.statusCode).toBe(200);
    expect(shared.body).toContain('<title>portal</title>');
  });

  it('does not fall back for API paths, non-HTML requests, other methods or missing assets', async () => {
    for (const url of ['/v1/nope', '/api/v1/nope', '/docs/nope', '/healthz/x', '/readyz', '/metrics']) {
      expect((await app.inject({ url, headers: html })).statusCode, url).toBe(404);
    }
    expect((await app.inject({ url: '/chats/1', headers: { accept: 'application/json' } })).statusCode).toBe(
      404,
    );
    expect((await app.inject({ url: '/assets/missing.js' })).statusCode).toBe(404);
    expect((await app.inject({ method: 'POST', url: '/chats/1', headers: html })).statusCode).toBe(404);
    expect((await app.inject({ url: '/v1/ping', headers: html })).json()).toEqual({ ok: true });
    expect((await app.inject({ url: '/healthz', headers: html })).json()).toEqual({ status: 'ok' });
  });
});

describe('portal not built', () => {
  it('answers / with a page saying how to build it', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'pocketllm-web-empty-'));
    const app = Fastify();
    await registerWeb(app, { root: dir });
    const res = await app.inject({ url: '/' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/text\/html/);
    expect(res.body).toContain('npm run build');
    await app.close();
    rmSync(dir, { recursive: true, force: true });
  });
});

describe('inside the real app', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp();
  });
  afterAll(() => t.close());

  it('keeps the API JSON 404 and health routes while answering / with HTML', async () => {
    const missing = await t.app.inject({ url: '/v1/definitely-not-a-route', headers: html });
    expect(missing.statusCode).toBe(404);
    expect(missing.json()).toMatchObject({ error: { code: 'not_found' } });
    expect((await t.app.inject({ url: '/healthz' })).statusCode).toBe(200);
    const root = await t.app.inject({ url: '/', headers: html });
    expect(root.statusCode).toBe(200);
    expect(root.headers['content-type']).toMatch(/text\/html/);
    if (root.body.includes('<div id="root"')) expect(root.body).toContain('content="multi-user"');
  });
});
