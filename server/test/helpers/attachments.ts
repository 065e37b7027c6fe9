import { afterAll, beforeAll, expect } from 'vitest';
import { type FakeServer, startFakeAnthropic, startFakeOllama, startFakeOpenAI } from '../fakes/index.js';
import { json, type TestApp } from './build-test-app.js';
import { activateProvider, appWithTwoUsers, type TestUser } from './factories.js';
import { multipartBody } from './multipart.js';

// The world of the attachments tests (features/chats/attachments.*.test.ts): an app with Alice and Bob,
// and Alice's providers on three fakes that refuse a picture in the wrong shape (fakes/vision.ts) and, with
// `visionModels`, one sent to a model without vision.

export type Attachment = { id: string; name: string; content_type: string; size: number };
export type Msg = { id: string; role: string; content: string; attachments: Attachment[] };
export type Sent = { user_message: Msg; assistant_message: Msg; cached: boolean };
export type Err = { error: { code: string; message: string; details?: Record<string, unknown> } };

async function startAttachmentsWorld() {
  const openai = await startFakeOpenAI({
    reply: 'I see a small square.',
    models: ['gpt-4o', 'gpt-3.5-turbo'],
    visionModels: ['gpt-4o'],
  });
  const anthropic = await startFakeAnthropic({
    reply: 'A tiny picture.',
    visionModels: ['claude-sonnet-4-5'],
  });
  const ollama = await startFakeOllama({
    reply: 'A coloured square.',
    // Ollama tells a vision model by its CLIP projector family; the catalogue reads that, not the name.
    models: [{ id: 'seeing:7b', details: { family: 'llama', families: ['llama', 'clip'] } }, 'llama3.2:1b'],
    visionModels: ['seeing:7b'],
  });
  const { t, alice, bob } = await appWithTwoUsers();
  for (const payload of [
    { provider: 'openai', api_key: 'sk-test-alice-0123456789', base_url: openai.url },
    { provider: 'anthropic', api_key: 'sk-ant-test-0123456789', base_url: anthropic.url },
    { provider: 'ollama', base_url: ollama.url },
  ]) {
    await activateProvider(t.app, alice, payload);
  }
  return {
    ...worldHelpers(t),
    t,
    alice,
    bob,
    openai,
    anthropic,
    ollama,
    close: async () => {
      await t.close();
      await Promise.all([openai.close(), anthropic.close(), ollama.close()]);
    },
  };
}

function worldHelpers(t: TestApp) {
  return {
    async upload(u: TestUser, filename: string, content: Buffer): Promise<Attachment> {
      const body = multipartBody([{ name: 'file', filename, content }]);
      const res = await t.app.inject({
        method: 'POST',
        url: '/v1/files',
        headers: { ...body.headers, ...u.headers },
        payload: body.payload,
      });
      expect(res.statusCode, res.body).toBe(201);
      return json<Attachment>(res);
    },

    async newChat(u: TestUser, payload: { title?: string } = {}): Promise<string> {
      const res = await t.app.inject({ method: 'POST', url: '/v1/chats', headers: u.headers, payload });
      return json<{ id: string }>(res).id;
    },

    /** A send to gpt-4o on OpenAI asking 'What is in this picture?', unless `payload` says otherwise. */
    send(u: TestUser | null, chatId: string, payload: Record<string, unknown>) {
      return t.app.inject({
        method: 'POST',
        url: `/v1/chats/${chatId}/messages`,
        headers: u ? u.headers : {},
        payload: { provider: 'openai', model: 'gpt-4o', content: 'What is in this picture?', ...payload },
      });
    },

    async messageCount(u: TestUser, chatId: string): Promise<number> {
      const res = await t.app.inject({ method: 'GET', url: `/v1/chats/${chatId}`, headers: u.headers });
      return json<{ messages: Msg[] }>(res).messages.length;
    },
  };
}

/**
 * The messages of the latest chat request to `fake` that asked `prompt` (chosen by what it asked, not by
 * arrival order: see fakes/README.md).
 */
export function sentAsking(fake: FakeServer, prompt: string): Record<string, unknown>[] {
  const body = fake.chatsAsking(prompt).at(-1)?.body;
  if (typeof body !== 'object' || body === null || !('messages' in body) || !Array.isArray(body.messages))
    throw new Error(`no chat request asked ${JSON.stringify(prompt)}`);
  return body.messages as Record<string, unknown>[];
}

export type AttachmentsWorld = Awaited<ReturnType<typeof startAttachmentsWorld>>;

/** The world of one test file: started before its tests, closed after them. */
export function attachmentsWorld(): AttachmentsWorld {
  const world = {} as AttachmentsWorld;
  beforeAll(async () => {
    Object.assign(world, await startAttachmentsWorld());
  });
  afterAll(() => world.close());
  return world;
}
