import type { FastifyInstance } from 'fastify';
import { expect } from 'vitest';
import type { FakeServer } from '../fakes/index.js';
import { json } from './build-test-app.js';
import { registerUser, type TestUser } from './factories.js';
import { multipartBody } from './multipart.js';

/** What a backup must carry over: two accounts, a provider key, a chat with an answer, an uploaded file. */
export interface Installation {
  alice: TestUser;
  bob: TestUser;
  key: string;
  chatId: string;
  fileId: string;
  fileBytes: Buffer;
}

export async function seedInstallation(app: FastifyInstance, fake: FakeServer): Promise<Installation> {
  const alice = await registerUser(app);
  const bob = await registerUser(app);
  const key = `sk-backup-${Math.random().toString(36).slice(2)}-0123456789`;
  const act = await app.inject({
    method: 'POST',
    url: '/v1/providers/activate',
    headers: alice.headers,
    payload: { provider: 'openai', api_key: key, base_url: fake.url },
  });
  expect(act.statusCode, act.body).toBe(200);
  const chatId = json<{ id: string }>(
    await app.inject({ method: 'POST', url: '/v1/chats', headers: alice.headers, payload: {} }),
  ).id;
  const sent = await app.inject({
    method: 'POST',
    url: `/v1/chats/${chatId}/messages`,
    headers: alice.headers,
    payload: { provider: 'openai', model: 'gpt-test', content: 'Remember the lighthouse' },
  });
  expect(sent.statusCode, sent.body).toBe(201);
  const fileBytes = Buffer.from(`backup me ${'x'.repeat(700)}\n`);
  const body = multipartBody([
    { name: 'chat_id', value: chatId },
    { name: 'file', filename: 'notes.txt', content: fileBytes },
  ]);
  const up = await app.inject({
    method: 'POST',
    url: '/v1/files',
    headers: { ...body.headers, ...alice.headers },
    payload: body.payload,
  });
  expect(up.statusCode, up.body).toBe(201);
  return { alice, bob, key, chatId, fileId: json<{ id: string }>(up).id, fileBytes };
}

/** Everything seeded works on `app`: sign-in, the chat and its messages, the file's bytes, the key. */
export async function expectInstallation(app: FastifyInstance, fake: FakeServer, seed: Installation) {
  for (const u of [seed.alice, seed.bob]) {
    const login = await app.inject({
      method: 'POST',
      url: '/v1/auth/login',
      payload: { email: u.email, password: u.password },
    });
    expect(login.statusCode, login.body).toBe(200);
  }
  const token = json<{ access_token: string }>(
    await app.inject({
      method: 'POST',
      url: '/v1/auth/login',
      payload: { email: seed.alice.email, password: seed.alice.password },
    }),
  ).access_token;
  const headers = { authorization: `Bearer ${token}` };
  const chat = json<{ messages: { role: string; content: string }[] }>(
    await app.inject({ method: 'GET', url: `/v1/chats/${seed.chatId}`, headers }),
  );
  expect(chat.messages.map((m) => [m.role, m.content])).toEqual([
    ['user', 'Remember the lighthouse'],
    ['assistant', expect.any(String)],
  ]);
  expect(chat.messages[1]?.content.length).toBeGreaterThan(0);
  const file = await app.inject({ method: 'GET', url: `/v1/files/${seed.fileId}`, headers });
  expect(file.statusCode).toBe(200);
  expect(file.rawPayload.equals(seed.fileBytes)).toBe(true);
  // The sealed provider key still opens: the provider receives exactly the key that was saved.
  fake.reset();
  const again = await app.inject({
    method: 'POST',
    url: `/v1/chats/${seed.chatId}/messages`,
    headers,
    payload: { provider: 'openai', model: 'gpt-test', content: 'Still there?' },
  });
  expect(again.statusCode, again.body).toBe(201);
  expect(fake.requestsTo('chat')[0]?.headers.authorization).toBe(`Bearer ${seed.key}`);
}
