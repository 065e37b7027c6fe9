import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type FakeServer,
  startFakeAnthropic,
  startFakeOllama,
  startFakeOpenAI,
  tinyPng,
} from '../../../test/fakes/index.js';
import { makePdf } from '../../../test/fixtures/make-pdf.js';
import { json, type TestApp } from '../../../test/helpers/build-test-app.js';
import { activateProvider, appWithTwoUsers, type TestUser } from '../../../test/helpers/factories.js';
import { multipartBody } from '../../../test/helpers/multipart.js';

// Pictures and documents sent with a message, through every provider's wire format; the fakes refuse a
// picture in the wrong shape (fakes/vision.ts) and, with `visionModels`, one sent to a model without vision.
let t: TestApp;
let openai: FakeServer;
let anthropic: FakeServer;
let ollama: FakeServer;
let alice: TestUser;
let bob: TestUser;

type Attachment = { id: string; name: string; content_type: string; size: number };
type Msg = { id: string; role: string; content: string; attachments: Attachment[] };
type Sent = { user_message: Msg; assistant_message: Msg; cached: boolean };
type Err = { error: { code: string; message: string; details?: Record<string, unknown> } };

beforeAll(async () => {
  openai = await startFakeOpenAI({
    reply: 'I see a small square.',
    models: ['gpt-4o', 'gpt-3.5-turbo'],
    visionModels: ['gpt-4o'],
  });
  anthropic = await startFakeAnthropic({ reply: 'A tiny picture.', visionModels: ['claude-sonnet-4-5'] });
  ollama = await startFakeOllama({
    reply: 'A coloured square.',
    // Ollama tells a vision model by its CLIP projector family; the catalogue reads that, not the name.
    models: [{ id: 'seeing:7b', details: { family: 'llama', families: ['llama', 'clip'] } }, 'llama3.2:1b'],
    visionModels: ['seeing:7b'],
  });
  ({ t, alice, bob } = await appWithTwoUsers());
  for (const payload of [
    { provider: 'openai', api_key: 'sk-test-alice-0123456789', base_url: openai.url },
    { provider: 'anthropic', api_key: 'sk-ant-test-0123456789', base_url: anthropic.url },
    { provider: 'ollama', base_url: ollama.url },
  ]) {
    await activateProvider(t.app, alice, payload);
  }
});
afterAll(async () => {
  await t.close();
  await Promise.all([openai.close(), anthropic.close(), ollama.close()]);
});

async function upload(u: TestUser, filename: string, content: Buffer): Promise<Attachment> {
  const body = multipartBody([{ name: 'file', filename, content }]);
  const res = await t.app.inject({
    method: 'POST',
    url: '/v1/files',
    headers: { ...body.headers, ...u.headers },
    payload: body.payload,
  });
  expect(res.statusCode, res.body).toBe(201);
  return json<Attachment>(res);
}

const newChat = async (u: TestUser) =>
  json<{ id: string }>(
    await t.app.inject({ method: 'POST', url: '/v1/chats', headers: u.headers, payload: {} }),
  ).id;

const send = (u: TestUser | null, chatId: string, payload: Record<string, unknown>) =>
  t.app.inject({
    method: 'POST',
    url: `/v1/chats/${chatId}/messages`,
    headers: u ? u.headers : {},
    payload: { provider: 'openai', model: 'gpt-4o', content: 'What is in this picture?', ...payload },
  });

const lastChat = (fake: FakeServer) => {
  const body = fake.requestsTo('chat').at(-1)?.body;
  if (typeof body !== 'object' || body === null || !('messages' in body) || !Array.isArray(body.messages))
    throw new Error('no chat request');
  return body.messages as Record<string, unknown>[];
};

const messageCount = async (u: TestUser, chatId: string) =>
  json<{ messages: Msg[] }>(
    await t.app.inject({ method: 'GET', url: `/v1/chats/${chatId}`, headers: u.headers }),
  ).messages.length;

describe('pictures reach the model in its provider’s wire format', () => {
  const png = tinyPng('attach-1');
  const b64 = png.toString('base64');

  it('OpenAI-compatible: content parts, text then an image_url with a data URL; stored on the message', async () => {
    const file = await upload(alice, 'square.png', png);
    const chatId = await newChat(alice);
    const res = await send(alice, chatId, { attachments: [file.id] });
    expect(res.statusCode, res.body).toBe(201);
    const sent = json<Sent>(res);
    expect(sent.assistant_message.content).toBe('I see a small square.');
    expect(sent.user_message.attachments).toEqual([
      { id: file.id, name: 'square.png', content_type: 'image/png', size: png.length },
    ]);
    expect(sent.assistant_message.attachments).toEqual([]);
    expect(lastChat(openai).at(-1)).toEqual({
      role: 'user',
      content: [
        { type: 'text', text: 'What is in this picture?' },
        { type: 'image_url', image_url: { url: `data:image/png;base64,${b64}` } },
      ],
    });
    const chat = json<{ messages: Msg[] }>(
      await t.app.inject({ method: 'GET', url: `/v1/chats/${chatId}`, headers: alice.headers }),
    );
    expect(chat.messages[0]?.attachments).toEqual(sent.user_message.attachments);
  });

  it('Anthropic: an image block with a base64 source before the text', async () => {
    const file = await upload(alice, 'photo.png', png);
    const res = await send(alice, await newChat(alice), {
      provider: 'anthropic',
      model: 'claude-sonnet-4-5',
      attachments: [file.id],
    });
    expect(res.statusCode, res.body).toBe(201);
    expect(lastChat(anthropic).at(-1)).toEqual({
      role: 'user',
      content: [
        { type: 'image', source: { type: 'base64', media_type: 'image/png', data: b64 } },
        { type: 'text', text: 'What is in this picture?' },
      ],
    });
  });

  it('Ollama: the message’s images as bare base64, vision told by the model’s metadata', async () => {
    const file = await upload(alice, 'photo.png', png);
    const res = await send(alice, await newChat(alice), {
      provider: 'ollama',
      model: 'seeing:7b',
      attachments: [file.id],
    });
    expect(res.statusCode, res.body).toBe(201);
    expect(lastChat(ollama).at(-1)).toEqual({
      role: 'user',
      content: 'What is in this picture?',
      images: [b64],
    });
  });

  it('the catalogue marks which models take pictures', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/v1/models', headers: alice.headers });
    const models = json<{ models: { id: string; provider: string; capabilities?: string[] }[] }>(res).models;
    const caps = (provider: string, id: string) =>
      models.find((m) => m.provider === provider && m.id === id)?.capabilities;
    expect(caps('openai', 'gpt-4o')).toEqual(['vision']);
    expect(caps('openai', 'gpt-3.5-turbo')).toEqual([]);
    expect(caps('anthropic', 'claude-sonnet-4-5')).toEqual(['vision']);
    expect(caps('ollama', 'seeing:7b')).toEqual(['vision']);
    expect(caps('ollama', 'llama3.2:1b')).toEqual([]);
  });

  it('a picture for a model without vision is a 400 naming attachments, and nothing is stored or sent', async () => {
    const file = await upload(alice, 'x.png', png);
    const chatId = await newChat(alice);
    const before = openai.requestsTo('chat').length;
    for (const [provider, model] of [
      ['openai', 'gpt-3.5-turbo'],
      ['ollama', 'llama3.2:1b'],
    ]) {
      const res = await send(alice, chatId, { provider, model, attachments: [file.id] });
      expect(res.statusCode).toBe(400);
      expect(json<Err>(res).error).toMatchObject({
        code: 'validation_error',
        details: { field: 'attachments' },
      });
      expect(json<Err>(res).error.message).toMatch(/^attachments: .*vision/);
    }
    expect(openai.requestsTo('chat').length).toBe(before);
    expect(await messageCount(alice, chatId)).toBe(0);
  });

  it('a different picture never gets a cached answer; the same one does', async () => {
    const first = await upload(alice, 'a.png', tinyPng('cache-a'));
    const second = await upload(alice, 'b.png', tinyPng('cache-b'));
    const again = await upload(alice, 'a-again.png', tinyPng('cache-a'));
    const ask = async (id: string) =>
      json<Sent>(await send(alice, await newChat(alice), { content: 'Describe it', attachments: [id] }));
    expect((await ask(first.id)).cached).toBe(false);
    expect((await ask(second.id)).cached).toBe(false);
    expect((await ask(again.id)).cached).toBe(true);
  });
});

describe('documents reach the model as labelled text', () => {
  it('a PDF’s text and a Markdown file, labelled with their names, for a model without vision', async () => {
    const pdf = await upload(alice, 'report.pdf', makePdf([['Revenue rose 12 percent in Q3.']]));
    const md = await upload(alice, 'notes.md', Buffer.from('# Notes\n\n- ship it\n'));
    const res = await send(alice, await newChat(alice), {
      model: 'gpt-3.5-turbo',
      content: 'Summarise these',
      attachments: [pdf.id, md.id],
    });
    expect(res.statusCode, res.body).toBe(201);
    const sent = json<Sent>(res);
    expect(sent.user_message.content).toBe('Summarise these');
    expect(sent.user_message.attachments.map((a) => [a.name, a.content_type])).toEqual([
      ['report.pdf', 'application/pdf'],
      ['notes.md', 'text/plain; charset=utf-8'],
    ]);
    const prompt = lastChat(openai).at(-1);
    expect(typeof prompt?.content).toBe('string');
    const text = String(prompt?.content);
    expect(text).toMatch(/<file name="report\.pdf">\nRevenue rose 12 percent in Q3\.\n<\/file>/);
    expect(text).toContain('<file name="notes.md">\n# Notes\n\n- ship it\n\n</file>');
    expect(text.endsWith('Summarise these')).toBe(true);
  });

  it('too large for the model is a 400 saying by how much', async () => {
    const big = await upload(alice, 'big.txt', Buffer.from('lorem ipsum '.repeat(4000)));
    const res = await send(alice, await newChat(alice), { model: 'gpt-3.5-turbo', attachments: [big.id] });
    expect(res.statusCode).toBe(400);
    const err = json<Err>(res).error;
    expect(err.details).toMatchObject({ field: 'attachments', over_by: expect.any(Number) });
    expect(Number(err.details?.over_by)).toBeGreaterThan(0);
    expect(err.message).toContain(`${String(err.details?.over_by)} more than`);
  });

  it('an unsupported type is a 415 naming attachments', async () => {
    const zip = await upload(alice, 'a.zip', Buffer.from([0x50, 0x4b, 0x03, 0x04, 0, 0, 0, 0]));
    const res = await send(alice, await newChat(alice), { attachments: [zip.id] });
    expect(res.statusCode).toBe(415);
    expect(json<Err>(res).error).toMatchObject({
      code: 'unsupported_media_type',
      details: { field: 'attachments' },
    });
  });
});

describe('access and input', () => {
  it('401 without a token', async () => {
    const res = await send(null, await newChat(alice), { attachments: [] });
    expect(res.statusCode).toBe(401);
  });

  it("another user's file or an unknown id is a 404; not a uuid is a 400 naming attachments", async () => {
    const bobs = await upload(bob, 'bob.png', tinyPng('bob'));
    const chatId = await newChat(alice);
    for (const id of [bobs.id, '00000000-0000-4000-8000-000000000000']) {
      const res = await send(alice, chatId, { attachments: [id] });
      expect(res.statusCode).toBe(404);
      expect(json<Err>(res).error.message).toContain('attachments');
    }
    const bad = await send(alice, chatId, { attachments: ['nope'] });
    expect(bad.statusCode).toBe(400);
    expect(json<Err>(bad).error.message).toContain('attachments');
    expect(await messageCount(alice, chatId)).toBe(0);
  });

  it('POST /v1/chats/new/messages takes attachments too, and a refused one leaves no chat behind', async () => {
    const file = await upload(alice, 'new.png', tinyPng('new'));
    const res = await t.app.inject({
      method: 'POST',
      url: '/v1/chats/new/messages',
      headers: alice.headers,
      payload: { provider: 'openai', model: 'gpt-4o', content: 'Look', attachments: [file.id] },
    });
    expect(res.statusCode, res.body).toBe(201);
    expect(json<Sent>(res).user_message.attachments[0]?.id).toBe(file.id);
    const chatsBefore = json<{ chats: unknown[] }>(
      await t.app.inject({ method: 'GET', url: '/v1/chats', headers: alice.headers }),
    ).chats.length;
    const refused = await t.app.inject({
      method: 'POST',
      url: '/v1/chats/new/messages',
      headers: alice.headers,
      payload: { provider: 'openai', model: 'gpt-3.5-turbo', content: 'Look', attachments: [file.id] },
    });
    expect(refused.statusCode).toBe(400);
    const chatsAfter = json<{ chats: unknown[] }>(
      await t.app.inject({ method: 'GET', url: '/v1/chats', headers: alice.headers }),
    ).chats.length;
    expect(chatsAfter).toBe(chatsBefore);
  });
});

describe('regenerate and edit keep the prompt’s files', () => {
  const png = tinyPng('attach-branch');
  const picture = {
    role: 'user',
    content: [
      { type: 'text', text: 'What is in this picture?' },
      { type: 'image_url', image_url: { url: `data:image/png;base64,${png.toString('base64')}` } },
    ],
  };
  const post = (url: string, payload: Record<string, unknown>) =>
    t.app.inject({ method: 'POST', url, headers: alice.headers, payload });

  it('regenerate sends the prompt’s picture again, and refuses a model without vision', async () => {
    const file = await upload(alice, 'again.png', png);
    const sent = json<Sent>(await send(alice, await newChat(alice), { attachments: [file.id] }));
    const res = await post(`/v1/messages/${sent.assistant_message.id}/regenerate`, {});
    expect(res.statusCode, res.body).toBe(201);
    expect(lastChat(openai).at(-1)).toEqual(picture);
    const calls = openai.requestsTo('chat').length;
    const blind = await post(`/v1/messages/${sent.assistant_message.id}/regenerate`, {
      provider: 'openai',
      model: 'gpt-3.5-turbo',
    });
    expect(blind.statusCode, blind.body).toBe(400);
    expect(json<Err>(blind).error.details).toMatchObject({ field: 'attachments' });
    expect(openai.requestsTo('chat').length).toBe(calls);
  });

  it('an edit keeps the original’s files unless it names others; `[]` leaves them out', async () => {
    const file = await upload(alice, 'kept.png', png);
    const sent = json<Sent>(await send(alice, await newChat(alice), { attachments: [file.id] }));
    const kept = await post(`/v1/messages/${sent.user_message.id}/edit`, {
      content: 'What is in this picture?',
      provider: 'openai',
      model: 'gpt-4o',
    });
    expect(kept.statusCode, kept.body).toBe(201);
    expect(json<Sent>(kept).user_message.attachments).toEqual(sent.user_message.attachments);
    expect(lastChat(openai).at(-1)).toEqual(picture);
    const dropped = await post(`/v1/messages/${sent.user_message.id}/edit`, {
      content: 'And without it?',
      provider: 'openai',
      model: 'gpt-4o',
      attachments: [],
    });
    expect(dropped.statusCode, dropped.body).toBe(201);
    expect(json<Sent>(dropped).user_message.attachments).toEqual([]);
    expect(lastChat(openai).at(-1)).toEqual({ role: 'user', content: 'And without it?' });
  });

  it('an edit naming another user’s file, or a regenerate with their model config, is a 404', async () => {
    const bobs = await upload(bob, 'bobs.png', tinyPng('bobs'));
    const bobsConfig = await t.app.inject({
      method: 'POST',
      url: '/v1/model-configs',
      headers: bob.headers,
      payload: { name: 'bob’s', provider: 'openai', model: 'gpt-4o' },
    });
    expect(bobsConfig.statusCode, bobsConfig.body).toBe(201);
    // A chat with a title: no background titling call reaches the fake during (or after) this test.
    const titled = await t.app.inject({
      method: 'POST',
      url: '/v1/chats',
      headers: alice.headers,
      payload: { title: 'Titled' },
    });
    const sent = json<Sent>(await send(alice, json<{ id: string }>(titled).id, {}));
    const calls = openai.requestsTo('chat').length;
    const edit = await post(`/v1/messages/${sent.user_message.id}/edit`, {
      content: 'And this one?',
      provider: 'openai',
      model: 'gpt-4o',
      attachments: [bobs.id],
    });
    expect(edit.statusCode, edit.body).toBe(404);
    expect(json<Err>(edit).error.message).toContain('attachments');
    const regen = await post(`/v1/messages/${sent.assistant_message.id}/regenerate`, {
      model_config_id: json<{ id: string }>(bobsConfig).id,
    });
    expect(regen.statusCode, regen.body).toBe(404);
    expect(openai.requestsTo('chat').length).toBe(calls);
  });
});
