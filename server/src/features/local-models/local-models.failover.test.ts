import type { LocalModel } from '@pocketllm/contracts';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeServer, startFakeOllama, startFakeOpenAI } from '../../../test/fakes/index.js';
import { buildTestApp, json, type TestApp } from '../../../test/helpers/build-test-app.js';
import { registerUser, type TestUser } from '../../../test/helpers/factories.js';
import { parseSse, type SseEvent } from '../../../test/helpers/sse.js';
import { localEndpoints } from '../../db/schema/index.js';

// Failover at request time: the chosen endpoint was healthy when the send began, and fails before its first byte.
const MODEL = 'llama3.2:1b';
let t: TestApp;
const fakes: FakeServer[] = [];

beforeAll(async () => {
  t = await buildTestApp({
    env: {
      ALLOW_PRIVATE_ENDPOINTS: 'true',
      // Short enough for the hang case; loopback fakes answer well within it even on a busy machine.
      PROVIDER_FIRST_TOKEN_TIMEOUT_MS: '1500',
    },
  });
});
afterAll(async () => {
  await t.close();
  await Promise.all(fakes.map((f) => f.close()));
});

type Engine = 'ollama' | 'openai-compatible';

/**
 * A new user with one healthy endpoint per reply, each on its own fake server of `engine` serving MODEL
 * (answering with that reply), in order: the first is the one the send chooses.
 */
async function endpoints(engine: Engine, ...replies: string[]) {
  const user = await registerUser(t.app);
  const servers: FakeServer[] = [];
  const eps: LocalModel[] = [];
  for (const reply of replies) {
    const options = { models: [MODEL], reply };
    const f = engine === 'ollama' ? await startFakeOllama(options) : await startFakeOpenAI(options);
    fakes.push(f);
    servers.push(f);
    const res = await t.app.inject({
      method: 'POST',
      url: '/v1/local-models',
      headers: user.headers,
      payload: { name: reply, base_url: f.url, endpoint_type: engine },
    });
    const ep = json<LocalModel>(res);
    expect(ep.health_status).toBe('healthy');
    eps.push(ep);
  }
  return { user, servers, eps };
}

/** The text of a stream's deltas. */
const streamed = (events: SseEvent[]) =>
  events
    .filter((e) => e.event === 'delta')
    .map((e) => e.data.content)
    .join('');

interface Answer {
  content: string;
  status: string;
  metadata: { local_model_id?: string; failover?: { from: string; to: string; reason: string } };
}

async function send(user: TestUser, localModelId: string, stream = false) {
  const chat = json<{ id: string }>(
    await t.app.inject({ method: 'POST', url: '/v1/chats', headers: user.headers, payload: {} }),
  );
  return t.app.inject({
    method: 'POST',
    url: `/v1/chats/${chat.id}/messages`,
    headers: user.headers,
    payload: { content: 'hello?', local_model_id: localModelId, model: MODEL, cache: false, stream },
  });
}

async function health(user: TestUser, id: string) {
  const res = await t.app.inject({ method: 'GET', url: `/v1/local-models/${id}`, headers: user.headers });
  return json<LocalModel>(res).health_status;
}

describe.each<Engine>(['ollama', 'openai-compatible'])('failover at request time (%s)', (engine) => {
  it('a refused connection (closed port) moves a JSON send to the spare, marked in the metadata', async () => {
    const { user, servers, eps } = await endpoints(engine, 'from home', 'from spare');
    const [home] = servers;
    const [a, b] = eps;
    if (!home || !a || !b) throw new Error('setup');
    await home.close();
    // What the user's event streams hear from here on (the portal's health dots follow local_model.health).
    const heard: string[] = [];
    const off = t.app.ctx.services.userEvents.listen(user.id, (e) => heard.push(e.event.event));

    const res = await send(user, a.id);
    expect(res.statusCode).toBe(201);
    await expect.poll(() => heard).toContain('local_model.health');
    off();
    const answer = json<{ assistant_message: Answer }>(res).assistant_message;
    expect(answer.content).toBe('from spare');
    expect(answer.metadata.local_model_id).toBe(b.id);
    expect(answer.metadata.failover).toMatchObject({ from: a.id, to: b.id });
    expect(answer.metadata.failover?.reason).toEqual(expect.any(String));
    expect(await health(user, a.id)).toBe('unhealthy');
    expect(await health(user, b.id)).toBe('healthy');
    // The request log credits the endpoint that answered.
    await t.app.ctx.services.telemetry.flush();
    const usage = async (id: string) =>
      json<{ total_requests: number }>(
        await t.app.inject({ method: 'GET', url: `/v1/local-models/${id}/usage`, headers: user.headers }),
      ).total_requests;
    expect([await usage(a.id), await usage(b.id)]).toEqual([0, 1]);
    // The catalogue (the portal's health dot) shows it at once.
    const models = json<{ models: { local_model_id?: string; health_status?: string }[] }>(
      await t.app.inject({ method: 'GET', url: '/v1/models', headers: user.headers }),
    ).models;
    expect(models.find((m) => m.local_model_id === a.id)?.health_status).toBe('unhealthy');
  });

  it('a hang before the first byte moves a streamed send; the client sees only the spare text', async () => {
    const { user, servers, eps } = await endpoints(engine, 'from home', 'from spare');
    const [home] = servers;
    const [a, b] = eps;
    if (!home || !a || !b) throw new Error('setup');
    home.setBehavior({ kind: 'hang', only: ['chat'] });

    const res = await send(user, a.id, true);
    expect(res.statusCode).toBe(200);
    const events = parseSse(res.body);
    expect(events.filter((e) => e.event === 'message.created')).toHaveLength(1);
    const text = streamed(events);
    expect(text).toBe('from spare');
    const last = events.at(-1);
    expect(last?.event).toBe('message.completed');
    const done = (last?.data as { message: Answer } | undefined)?.message;
    expect(done?.content).toBe('from spare');
    expect(done?.metadata.failover).toMatchObject({ from: a.id, to: b.id });
    expect(home.requestsTo('chat')).toHaveLength(1);
    expect(await health(user, a.id)).toBe('unhealthy');
  });

  it('a 500 before any text fails over twice across three endpoints', async () => {
    const { user, servers, eps } = await endpoints(engine, 'from one', 'from two', 'from three');
    const [one, two] = servers;
    const [a, b, c] = eps;
    if (!one || !two || !a || !b || !c) throw new Error('setup');
    one.setBehavior({ kind: 'http_error', status: 500, only: ['chat'] });
    two.setBehavior({ kind: 'http_error', status: 503, only: ['chat'] });
    // Candidates go fastest first: Two answered its last check faster than Three, so it is tried next.
    await t.database.db.update(localEndpoints).set({ responseTimeMs: 1 }).where(eq(localEndpoints.id, b.id));
    await t.database.db.update(localEndpoints).set({ responseTimeMs: 50 }).where(eq(localEndpoints.id, c.id));

    const res = await send(user, a.id);
    expect(res.statusCode).toBe(201);
    const answer = json<{ assistant_message: Answer }>(res).assistant_message;
    expect(answer.content).toBe('from three');
    expect(answer.metadata).toMatchObject({ local_model_id: c.id, failover: { from: a.id, to: c.id } });
    expect(two.requestsTo('chat')).toHaveLength(1);
    expect([await health(user, a.id), await health(user, b.id), await health(user, c.id)]).toEqual([
      'unhealthy',
      'unhealthy',
      'healthy',
    ]);
  });

  it('a failure after text does not fail over: the answer fails with a clear error, the spare is not called', async () => {
    const { user, servers, eps } = await endpoints(engine, 'from home, cut short', 'from spare');
    const [home, spare] = servers;
    const [a] = eps;
    if (!home || !spare || !a) throw new Error('setup');
    home.setBehavior({ kind: 'drop_mid_stream', only: ['chat'] });

    const res = await send(user, a.id, true);
    const events = parseSse(res.body);
    const text = streamed(events);
    expect(text.length).toBeGreaterThan(0);
    expect('from home, cut short'.startsWith(text)).toBe(true);
    const last = events.at(-1);
    expect(last?.event).toBe('error');
    const failed = last?.data as { error: { code: string; message: string }; message?: Answer };
    expect(failed.error.code).toBe('provider_error');
    expect(failed.error.message).toMatch(/mid-stream|before|ended/);
    expect(failed.message).toMatchObject({ status: 'failed', content: text });
    expect(failed.message?.metadata.failover).toBeUndefined();
    expect(spare.requestsTo('chat')).toHaveLength(0);
  });

  it('with no other healthy endpoint the send fails with an error that says so', async () => {
    const { user, servers, eps } = await endpoints(engine, 'from home', 'from down');
    const [home, down] = servers;
    const [a, b] = eps;
    if (!home || !down || !a || !b) throw new Error('setup');
    await down.close();
    const check = await t.app.inject({
      method: 'POST',
      url: `/v1/local-models/${b.id}/health`,
      headers: user.headers,
    });
    expect(json(check)).toMatchObject({ status: 'unhealthy' });
    home.setBehavior({ kind: 'http_error', status: 500, only: ['chat'] });

    const res = await send(user, a.id);
    expect(res.statusCode).toBe(502);
    const body = json<{ error: { code: string; message: string } }>(res);
    expect(body.error.code).toBe('provider_error');
    expect(body.error.message).toContain(`no other healthy endpoint of yours serves ${MODEL}`);
    expect(down.requestsTo('chat')).toHaveLength(0);
  });
});
