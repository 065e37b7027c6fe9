/** A GGUF file dropped into MODELS_DIR, seen and chatted with through the API (no other setup). */
import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeTinyGguf } from '../../../test/fixtures/make-tiny-gguf.js';
import { buildTestApp, json, type TestApp } from '../../../test/helpers/build-test-app.js';
import { registerUser, type TestUser } from '../../../test/helpers/factories.js';
import { parseSse, readSse } from '../../../test/helpers/sse.js';
import { modelConfigs } from '../../db/schema/index.js';

let t: TestApp;
let alice: TestUser;

type Msg = { role: string; content: string; status: string; metadata: Record<string, unknown> };

beforeAll(async () => {
  t = await buildTestApp();
  const dir = t.config.localModels.modelsDir;
  mkdirSync(dir, { recursive: true });
  writeTinyGguf(path.join(dir, 'tiny.gguf'), { seed: 11 });
  writeTinyGguf(path.join(dir, 'broken.gguf'), { seed: 11, omitKeys: ['llama.attention.head_count'] });
  alice = await registerUser(t.app);
});
afterAll(async () => {
  await t.close();
});

const newChat = async (u: TestUser) =>
  json<{ id: string }>(
    await t.app.inject({ method: 'POST', url: '/v1/chats', headers: u.headers, payload: {} }),
  ).id;

const send = async (u: TestUser, payload: Record<string, unknown>) =>
  t.app.inject({
    method: 'POST',
    url: `/v1/chats/${await newChat(u)}/messages`,
    headers: u.headers,
    payload: { provider: 'gguf', model: 'tiny', params: { temperature: 0, max_tokens: 16 }, ...payload },
  });

describe('GGUF models through the API', { timeout: 60_000 }, () => {
  it('lists the file as provider gguf, and reports the broken one', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/v1/models', headers: alice.headers });
    expect(res.statusCode).toBe(200);
    const body = json<{
      models: { id: string; provider: string; context_length?: number }[];
      errors: unknown[];
    }>(res);
    expect(body.models).toContainEqual(
      expect.objectContaining({ id: 'tiny', provider: 'gguf', context_length: 2048 }),
    );
    expect(body.models.map((m) => m.id)).not.toContain('broken');
    expect(JSON.stringify(body.errors)).toContain('broken.gguf is not a usable GGUF model');
  });

  it('answers a chat as JSON with usage', async () => {
    const res = await send(alice, { content: 'hello world' });
    expect(res.statusCode).toBe(201);
    const msg = json<{ assistant_message: Msg }>(res).assistant_message;
    expect(msg.status).toBe('completed');
    expect(msg.content.length).toBeGreaterThan(0);
    expect(msg.metadata).toMatchObject({ provider: 'gguf', model: 'tiny' });
    expect(msg.metadata.tokens_out).toEqual(expect.any(Number));
  });

  it('streams a chat as SSE', async () => {
    const res = await send(alice, { content: 'hello world', stream: true });
    expect(res.statusCode).toBe(200);
    const events = parseSse(res.body);
    expect(events[0]?.event).toBe('message.created');
    expect(events.filter((e) => e.event === 'delta').length).toBeGreaterThan(1);
    expect(events.at(-1)?.event).toBe('message.completed');
  });

  it('streams over real HTTP: the first delta arrives long before the answer ends (TTFT, tokens/s logged)', async () => {
    const base = await t.app.listen({ host: '127.0.0.1', port: 0 });
    const headers = { ...alice.headers, 'content-type': 'application/json' };
    const ttft: number[] = [];
    const rates: number[] = [];
    for (let i = 0; i < 5; i++) {
      const id = await newChat(alice);
      const start = performance.now();
      const res = await fetch(`${base}/v1/chats/${id}/messages`, {
        method: 'POST',
        headers,
        body: JSON.stringify({
          provider: 'gguf',
          model: 'tiny',
          content: `hello world ${i}`,
          stream: true,
          params: { temperature: 0, max_tokens: 256 },
        }),
      });
      let first = 0;
      let deltas = 0;
      let completed = false;
      let tokensOut = 0;
      await readSse(res, (e) => {
        if (e.event === 'delta') {
          first ||= performance.now() - start;
          deltas++;
        }
        if (e.event === 'message.completed') {
          completed = true;
          const message = e.data.message;
          const meta =
            message && typeof message === 'object' && 'metadata' in message ? message.metadata : null;
          if (meta && typeof meta === 'object' && 'tokens_out' in meta) tokensOut = Number(meta.tokens_out);
        }
        return undefined;
      });
      const total = performance.now() - start;
      expect(completed).toBe(true);
      expect(deltas).toBeGreaterThan(10);
      expect(first).toBeGreaterThan(0);
      expect(first).toBeLessThan(total);
      ttft.push(first);
      expect(tokensOut).toBeGreaterThanOrEqual(deltas);
      rates.push((tokensOut - 1) / ((total - first) / 1000));
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[2] ?? 0;
    console.log(
      `GGUF via API (SSE, loopback): TTFT median ${median(ttft).toFixed(1)} ms, ${median(rates).toFixed(0)} tokens/s`,
    );
  });

  it('completes two concurrent chats on the one model', async () => {
    const [a, b] = await Promise.all([send(alice, { content: 'one' }), send(alice, { content: 'two' })]);
    for (const r of [a, b]) {
      expect(r.statusCode).toBe(201);
      expect(json<{ assistant_message: Msg }>(r).assistant_message.status).toBe('completed');
    }
  });

  it('refuses a malformed GGUF with a clear error and stays up', async () => {
    const res = await send(alice, { model: 'broken', content: 'hello' });
    expect(res.statusCode).toBeGreaterThanOrEqual(400);
    expect(res.body).toContain('missing or invalid llama.attention.head_count');
    const after = await send(alice, { content: 'still there?' });
    expect(after.statusCode).toBe(201);
  });

  it('still takes the old id `local` without an endpoint, in a send and in a model configuration', async () => {
    const res = await send(alice, { provider: 'local', content: 'old id' });
    expect(res.statusCode).toBe(201);
    expect(json<{ assistant_message: Msg }>(res).assistant_message.metadata).toMatchObject({
      provider: 'gguf',
      model: 'tiny',
    });
    const created = await t.app.inject({
      method: 'POST',
      url: '/v1/model-configs',
      headers: alice.headers,
      payload: { name: 'Tiny', provider: 'local', model: 'tiny' },
    });
    expect(created.statusCode).toBe(201);
    const config = json<{ id: string; provider: string }>(created);
    expect(config.provider).toBe('gguf');
    const viaConfig = await t.app.inject({
      method: 'POST',
      url: `/v1/chats/${await newChat(alice)}/messages`,
      headers: alice.headers,
      payload: { content: 'via config', model_config_id: config.id, params: { max_tokens: 8 } },
    });
    expect(viaConfig.statusCode).toBe(201);
    expect(json<{ assistant_message: Msg }>(viaConfig).assistant_message.metadata.provider).toBe('gguf');
  });

  it('migration 0014 renames a stored `local` configuration without an endpoint to `gguf`', async () => {
    const [row] = await t.database.db
      .insert(modelConfigs)
      .values({ userId: alice.id, name: 'Old', provider: 'local', model: 'tiny' })
      .returning();
    if (!row) throw new Error('no row');
    const file = new URL('../../db/migrations/0014_provider_ids.sql', import.meta.url);
    await t.app.ctx.db.execute(sql.raw(readFileSync(file, 'utf8')));
    const [after] = await t.database.db.select().from(modelConfigs).where(eq(modelConfigs.id, row.id));
    expect(after?.provider).toBe('gguf');
    const { target } = await t.app.ctx.services.modelConfigs.resolveTarget(alice.id, row.id);
    expect(target).toMatchObject({ provider: 'gguf', adapter: 'llama-cpp' });
  });

  it('answers 404 for a model that is not in MODELS_DIR', async () => {
    for (const model of ['nope', '../tiny']) {
      const res = await send(alice, { model, content: 'hello' });
      expect(res.statusCode).toBe(404);
    }
  });
});
