import type { LocalModel } from '@pocketllm/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeServer, startFakeOllama } from '../../../test/fakes/index.js';
import { buildTestApp, json, type TestApp } from '../../../test/helpers/build-test-app.js';
import { registerUser, type TestUser } from '../../../test/helpers/factories.js';

// The whole story of issue 5 through the API: chat with your own box, it dies, the chat fails over.
let t: TestApp;
let home: FakeServer;
let spare: FakeServer;
let user: TestUser;

beforeAll(async () => {
  t = await buildTestApp({ env: { ALLOW_PRIVATE_ENDPOINTS: 'true', HEALTH_CHECK_TIMEOUT_MS: '400' } });
  home = await startFakeOllama({ models: ['llama3.2:1b'], reply: 'from home' });
  spare = await startFakeOllama({ models: ['llama3.2:1b'], reply: 'from spare' });
  user = await registerUser(t.app);
});
afterAll(async () => {
  await t.close();
  await home.close();
  await spare.close();
});

interface Sent {
  assistant_message: {
    content: string;
    metadata: { failover?: { from: string; to: string; reason: string } };
  };
}

async function endpoint(name: string, base_url: string) {
  const res = await t.app.inject({
    method: 'POST',
    url: '/v1/local-models',
    headers: user.headers,
    payload: { name, base_url },
  });
  return json<LocalModel>(res);
}

describe('chatting with a local endpoint', () => {
  it('answers from the chosen endpoint, then fails over when it is down', async () => {
    const a = await endpoint('Home', home.url);
    const b = await endpoint('Spare', spare.url);
    const chat = json<{ id: string }>(
      await t.app.inject({
        method: 'POST',
        url: '/v1/chats',
        headers: user.headers,
        payload: { title: 'local' },
      }),
    );
    // cache: false, or the answer cache would replay the first answer and the endpoint would not be called.
    const send = (content: string) =>
      t.app.inject({
        method: 'POST',
        url: `/v1/chats/${chat.id}/messages`,
        headers: user.headers,
        payload: { content, local_model_id: a.id, model: 'llama3.2:1b', cache: false },
      });

    const first = await send('hi');
    expect(first.statusCode).toBe(201);
    expect(json<Sent>(first).assistant_message.content).toBe('from home');
    expect(json<Sent>(first).assistant_message.metadata.failover).toBeUndefined();

    home.setBehavior('hang');
    const check = await t.app.inject({
      method: 'POST',
      url: `/v1/local-models/${a.id}/health`,
      headers: user.headers,
    });
    expect(json(check)).toMatchObject({ status: 'unhealthy' });

    const second = await send('still there?');
    expect(second.statusCode).toBe(201);
    const sent = json<Sent>(second).assistant_message;
    expect(sent.content).toBe('from spare');
    expect(sent.metadata.failover).toMatchObject({ from: a.id, to: b.id });

    const models = json<{ models: { id: string; local_model_id?: string; health_status?: string }[] }>(
      await t.app.inject({ method: 'GET', url: '/v1/models', headers: user.headers }),
    ).models.filter((m) => m.id === 'llama3.2:1b');
    expect(models.map((m) => [m.local_model_id, m.health_status])).toEqual(
      expect.arrayContaining([
        [a.id, 'unhealthy'],
        [b.id, 'healthy'],
      ]),
    );
  });
});
