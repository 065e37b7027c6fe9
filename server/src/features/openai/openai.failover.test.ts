import type { CatalogModel, LocalModel } from '@pocketllm/contracts';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeServer, startFakeOllama, startFakeOpenAI } from '../../../test/fakes/index.js';
import { buildTestApp, json, type TestApp } from '../../../test/helpers/build-test-app.js';
import { registerUser, type TestUser } from '../../../test/helpers/factories.js';
import { createKey } from '../../../test/helpers/openai-gateway.js';

// /openai/v1/chat/completions over a user's local endpoints fails over as a chat send does (pipeline/failover.ts):
// the official SDK as the client, real fake endpoints on loopback, a closed port for a refused connection.
const MODEL = 'llama3.2:1b';
let t: TestApp;
let address: string;
const fakes: FakeServer[] = [];

beforeAll(async () => {
  t = await buildTestApp({
    env: { ALLOW_PRIVATE_ENDPOINTS: 'true', PROVIDER_FIRST_TOKEN_TIMEOUT_MS: '1500' },
  });
  address = await t.app.listen({ port: 0, host: '127.0.0.1' });
});
afterAll(async () => {
  await t.close();
  await Promise.all(fakes.map((f) => f.close()));
});

type Engine = 'ollama' | 'openai-compatible';

interface Setup {
  user: TestUser;
  client: OpenAI;
  key: string;
  /** The endpoint `local/MODEL` goes to first (the catalogue's entry), and the other one. */
  home: { server: FakeServer; ep: LocalModel };
  spare: { server: FakeServer; ep: LocalModel };
}

/** A new user with two healthy endpoints of `engine` serving MODEL, one answering "from A", one "from B". */
async function setup(engine: Engine): Promise<Setup> {
  const user = await registerUser(t.app);
  const made: { server: FakeServer; ep: LocalModel }[] = [];
  for (const name of ['A', 'B']) {
    const options = { models: [MODEL], reply: `from ${name}`, chunks: 3 };
    const server = engine === 'ollama' ? await startFakeOllama(options) : await startFakeOpenAI(options);
    fakes.push(server);
    const res = await t.app.inject({
      method: 'POST',
      url: '/v1/local-models',
      headers: user.headers,
      payload: { name, base_url: server.url, endpoint_type: engine },
    });
    const ep = json<LocalModel>(res);
    expect(ep.health_status).toBe('healthy');
    made.push({ server, ep });
  }
  const catalogue = json<{ models: CatalogModel[] }>(
    await t.app.inject({ method: 'GET', url: '/v1/models', headers: user.headers }),
  ).models;
  const first = catalogue.find((m) => m.provider === 'local' && m.id === MODEL)?.local_model_id;
  const home = made.find((m) => m.ep.id === first);
  const spare = made.find((m) => m.ep.id !== first);
  if (!home || !spare) throw new Error('setup: no catalogue entry');
  const { key } = await createKey(t.app, user);
  const client = new OpenAI({ apiKey: key, baseURL: `${address}/openai/v1`, maxRetries: 0 });
  return { user, client, key, home, spare };
}

const ask = [{ role: 'user' as const, content: 'hello?' }];
const nocache = { headers: { 'x-pocketllm-cache': 'bypass' } };

async function health(user: TestUser, id: string) {
  const res = await t.app.inject({ method: 'GET', url: `/v1/local-models/${id}`, headers: user.headers });
  return json<LocalModel>(res).health_status;
}

async function streamText(client: OpenAI): Promise<{ text: string; error: unknown }> {
  let text = '';
  try {
    const stream = await client.chat.completions.create(
      { model: `local/${MODEL}`, messages: ask, stream: true },
      nocache,
    );
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    return { text, error: null };
  } catch (error) {
    return { text, error };
  }
}

describe.each<[string, Engine]>([
  ['Ollama endpoints, through the adapter', 'ollama'],
  ['OpenAI-compatible endpoints, passed through', 'openai-compatible'],
])('failover of /openai/v1/chat/completions (%s)', (_kind, engine) => {
  it('a refused connection moves a JSON completion to the spare, which the request log credits', async () => {
    const { user, client, home, spare } = await setup(engine);
    await home.server.close();

    const c = await client.chat.completions.create({ model: `local/${MODEL}`, messages: ask }, nocache);
    expect(c.choices[0]?.message.content).toBe(`from ${spare.ep.name}`);
    expect(c.choices[0]?.finish_reason).toBe('stop');
    expect(spare.server.requestsTo('chat')).toHaveLength(1);
    expect(await health(user, home.ep.id)).toBe('unhealthy');
    expect(await health(user, spare.ep.id)).toBe('healthy');
    await t.app.ctx.services.telemetry.flush();
    const usage = async (id: string) =>
      json<{ total_requests: number }>(
        await t.app.inject({ method: 'GET', url: `/v1/local-models/${id}/usage`, headers: user.headers }),
      ).total_requests;
    expect([await usage(home.ep.id), await usage(spare.ep.id)]).toEqual([0, 1]);
  });

  it('a refused connection moves a stream to the spare; the client sees only the spare text', async () => {
    const { user, client, home, spare } = await setup(engine);
    await home.server.close();

    const r = await streamText(client);
    expect(r.error).toBeNull();
    expect(r.text).toBe(`from ${spare.ep.name}`);
    expect(await health(user, home.ep.id)).toBe('unhealthy');
  });

  it('a 500 before any text moves JSON and streamed completions to the spare', async () => {
    const { user, client, home, spare } = await setup(engine);
    home.server.setBehavior({ kind: 'http_error', status: 500, only: ['chat'] });

    const c = await client.chat.completions.create({ model: `local/${MODEL}`, messages: ask }, nocache);
    expect(c.choices[0]?.message.content).toBe(`from ${spare.ep.name}`);
    expect(home.server.requestsTo('chat')).toHaveLength(1);
    expect(await health(user, home.ep.id)).toBe('unhealthy');

    // Healthy again for the streamed case (its health check passes), still failing its chats.
    const check = await t.app.inject({
      method: 'POST',
      url: `/v1/local-models/${home.ep.id}/health`,
      headers: user.headers,
    });
    expect(json(check)).toMatchObject({ status: 'healthy' });
    home.server.reset();
    spare.server.reset();
    home.server.setBehavior({ kind: 'http_error', status: 503, only: ['chat'] });
    const r = await streamText(client);
    expect(r.error).toBeNull();
    expect(r.text).toBe(`from ${spare.ep.name}`);
    expect(home.server.requestsTo('chat')).toHaveLength(1);
    expect(spare.server.requestsTo('chat')).toHaveLength(1);
  });

  it('a failure after text does not fail over: the stream ends in an error, the spare is not called', async () => {
    const { client, home, spare } = await setup(engine);
    home.server.setBehavior({ kind: 'drop_mid_stream', only: ['chat'] });

    const r = await streamText(client);
    expect(r.error).toBeInstanceOf(OpenAI.APIError);
    expect(r.text.length).toBeGreaterThan(0);
    expect(`from ${home.ep.name}`.startsWith(r.text)).toBe(true);
    expect(spare.server.requestsTo('chat')).toHaveLength(0);
  });

  it('with no other healthy endpoint the completion fails in OpenAI’s error shape, saying why', async () => {
    const { user, client, key, home, spare } = await setup(engine);
    await spare.server.close();
    const check = await t.app.inject({
      method: 'POST',
      url: `/v1/local-models/${spare.ep.id}/health`,
      headers: user.headers,
    });
    expect(json(check)).toMatchObject({ status: 'unhealthy' });
    home.server.setBehavior({ kind: 'http_error', status: 500, only: ['chat'] });

    const err = await client.chat.completions
      .create({ model: `local/${MODEL}`, messages: ask }, nocache)
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.APIError);
    const api = err as InstanceType<typeof OpenAI.APIError>;
    expect(api.status).toBe(502);
    expect(api.message).toContain(`no other healthy endpoint of yours serves ${MODEL}`);

    // The exact bytes, streamed: an error response (nothing was sent before it), in OpenAI's shape.
    const res = await fetch(`${address}/openai/v1/chat/completions`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${key}`,
        'content-type': 'application/json',
        'x-pocketllm-cache': 'bypass',
      },
      body: JSON.stringify({ model: `local/${MODEL}`, messages: ask, stream: true }),
    });
    expect(res.status).toBe(502);
    const body = (await res.json()) as { error: Record<string, unknown> };
    expect(body.error).toMatchObject({ type: expect.any(String), code: expect.any(String) });
    expect(body.error).toHaveProperty('param');
    expect(String(body.error.message)).toMatch(/endpoint/);
    expect(home.server.requestsTo('chat')).toHaveLength(2);
  });
});
