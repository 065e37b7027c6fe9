import { describe, expect, it } from 'vitest';
import { tinyPng } from '../../../test/fakes/index.js';
import {
  attachmentsWorld,
  type Err,
  type Msg,
  type Sent,
  sentAsking,
} from '../../../test/helpers/attachments.js';
import { json } from '../../../test/helpers/build-test-app.js';

// Pictures sent with a message reach each provider in its own wire format
// (the world: test/helpers/attachments.ts).
const w = attachmentsWorld();

describe('pictures reach the model in its provider’s wire format', () => {
  const png = tinyPng('attach-1');
  const b64 = png.toString('base64');

  it('OpenAI-compatible: content parts, text then an image_url with a data URL; stored on the message', async () => {
    const file = await w.upload(w.alice, 'square.png', png);
    const chatId = await w.newChat(w.alice);
    const res = await w.send(w.alice, chatId, { attachments: [file.id] });
    expect(res.statusCode, res.body).toBe(201);
    const sent = json<Sent>(res);
    expect(sent.assistant_message.content).toBe('I see a small square.');
    expect(sent.user_message.attachments).toEqual([
      { id: file.id, name: 'square.png', content_type: 'image/png', size: png.length },
    ]);
    expect(sent.assistant_message.attachments).toEqual([]);
    expect(sentAsking(w.openai, 'What is in this picture?').at(-1)).toEqual({
      role: 'user',
      content: [
        { type: 'text', text: 'What is in this picture?' },
        { type: 'image_url', image_url: { url: `data:image/png;base64,${b64}` } },
      ],
    });
    const chat = json<{ messages: Msg[] }>(
      await w.t.app.inject({ method: 'GET', url: `/v1/chats/${chatId}`, headers: w.alice.headers }),
    );
    expect(chat.messages[0]?.attachments).toEqual(sent.user_message.attachments);
  });

  it('Anthropic: an image block with a base64 source before the text', async () => {
    const file = await w.upload(w.alice, 'photo.png', png);
    const res = await w.send(w.alice, await w.newChat(w.alice), {
      provider: 'anthropic',
      model: 'claude-sonnet-4-5',
      attachments: [file.id],
    });
    expect(res.statusCode, res.body).toBe(201);
    expect(sentAsking(w.anthropic, 'What is in this picture?').at(-1)).toEqual({
      role: 'user',
      content: [
        { type: 'image', source: { type: 'base64', media_type: 'image/png', data: b64 } },
        { type: 'text', text: 'What is in this picture?' },
      ],
    });
  });

  it('Ollama: the message’s images as bare base64, vision told by the model’s metadata', async () => {
    const file = await w.upload(w.alice, 'photo.png', png);
    const res = await w.send(w.alice, await w.newChat(w.alice), {
      provider: 'ollama',
      model: 'seeing:7b',
      attachments: [file.id],
    });
    expect(res.statusCode, res.body).toBe(201);
    expect(sentAsking(w.ollama, 'What is in this picture?').at(-1)).toEqual({
      role: 'user',
      content: 'What is in this picture?',
      images: [b64],
    });
  });

  it('the catalogue marks which models take pictures', async () => {
    const res = await w.t.app.inject({ method: 'GET', url: '/v1/models', headers: w.alice.headers });
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
    const file = await w.upload(w.alice, 'x.png', png);
    const chatId = await w.newChat(w.alice);
    const content = 'What does this blind model see?';
    for (const [provider, model] of [
      ['openai', 'gpt-3.5-turbo'],
      ['ollama', 'llama3.2:1b'],
    ]) {
      const res = await w.send(w.alice, chatId, { provider, model, content, attachments: [file.id] });
      expect(res.statusCode).toBe(400);
      expect(json<Err>(res).error).toMatchObject({
        code: 'validation_error',
        details: { field: 'attachments' },
      });
      expect(json<Err>(res).error.message).toMatch(/^attachments: .*vision/);
    }
    expect(w.openai.chatsAsking(content)).toEqual([]);
    expect(w.ollama.chatsAsking(content)).toEqual([]);
    expect(await w.messageCount(w.alice, chatId)).toBe(0);
  });

  it('a different picture never gets a cached answer; the same one does', async () => {
    const first = await w.upload(w.alice, 'a.png', tinyPng('cache-a'));
    const second = await w.upload(w.alice, 'b.png', tinyPng('cache-b'));
    const again = await w.upload(w.alice, 'a-again.png', tinyPng('cache-a'));
    const ask = async (id: string) =>
      json<Sent>(
        await w.send(w.alice, await w.newChat(w.alice), { content: 'Describe it', attachments: [id] }),
      );
    expect((await ask(first.id)).cached).toBe(false);
    expect((await ask(second.id)).cached).toBe(false);
    expect((await ask(again.id)).cached).toBe(true);
  });
});
