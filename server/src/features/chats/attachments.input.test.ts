import { describe, expect, it } from 'vitest';
import { tinyPng } from '../../../test/fakes/index.js';
import { makePdf } from '../../../test/fixtures/make-pdf.js';
import { attachmentsWorld, type Err, type Sent, sentAsking } from '../../../test/helpers/attachments.js';
import { json } from '../../../test/helpers/build-test-app.js';

// Documents sent with a message, and the checks of what a send may attach
// (the world: test/helpers/attachments.ts).
const w = attachmentsWorld();

describe('documents reach the model as labelled text', () => {
  it('a PDF’s text and a Markdown file, labelled with their names, for a model without vision', async () => {
    const pdf = await w.upload(w.alice, 'report.pdf', makePdf([['Revenue rose 12 percent in Q3.']]));
    const md = await w.upload(w.alice, 'notes.md', Buffer.from('# Notes\n\n- ship it\n'));
    const res = await w.send(w.alice, await w.newChat(w.alice), {
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
    const prompt = sentAsking(w.openai, 'Summarise these').at(-1);
    expect(typeof prompt?.content).toBe('string');
    const text = String(prompt?.content);
    expect(text).toMatch(/<file name="report\.pdf">\nRevenue rose 12 percent in Q3\.\n<\/file>/);
    expect(text).toContain('<file name="notes.md">\n# Notes\n\n- ship it\n\n</file>');
    expect(text.endsWith('Summarise these')).toBe(true);
  });

  it('too large for the model is a 400 saying by how much', async () => {
    const big = await w.upload(w.alice, 'big.txt', Buffer.from('lorem ipsum '.repeat(4000)));
    const res = await w.send(w.alice, await w.newChat(w.alice), {
      model: 'gpt-3.5-turbo',
      attachments: [big.id],
    });
    expect(res.statusCode).toBe(400);
    const err = json<Err>(res).error;
    expect(err.details).toMatchObject({ field: 'attachments', over_by: expect.any(Number) });
    expect(Number(err.details?.over_by)).toBeGreaterThan(0);
    expect(err.message).toContain(`${String(err.details?.over_by)} more than`);
  });

  it('an unsupported type is a 415 naming attachments', async () => {
    const zip = await w.upload(w.alice, 'a.zip', Buffer.from([0x50, 0x4b, 0x03, 0x04, 0, 0, 0, 0]));
    const res = await w.send(w.alice, await w.newChat(w.alice), { attachments: [zip.id] });
    expect(res.statusCode).toBe(415);
    expect(json<Err>(res).error).toMatchObject({
      code: 'unsupported_media_type',
      details: { field: 'attachments' },
    });
  });
});

describe('access and input', () => {
  it('401 without a token', async () => {
    const res = await w.send(null, await w.newChat(w.alice), { attachments: [] });
    expect(res.statusCode).toBe(401);
  });

  it("another user's file or an unknown id is a 404; not a uuid is a 400 naming attachments", async () => {
    const bobs = await w.upload(w.bob, 'bob.png', tinyPng('bob'));
    const chatId = await w.newChat(w.alice);
    for (const id of [bobs.id, '00000000-0000-4000-8000-000000000000']) {
      const res = await w.send(w.alice, chatId, { attachments: [id] });
      expect(res.statusCode).toBe(404);
      expect(json<Err>(res).error.message).toContain('attachments');
    }
    const bad = await w.send(w.alice, chatId, { attachments: ['nope'] });
    expect(bad.statusCode).toBe(400);
    expect(json<Err>(bad).error.message).toContain('attachments');
    expect(await w.messageCount(w.alice, chatId)).toBe(0);
  });

  it('POST /v1/chats/new/messages takes attachments too, and a refused one leaves no chat behind', async () => {
    const file = await w.upload(w.alice, 'new.png', tinyPng('new'));
    const res = await w.t.app.inject({
      method: 'POST',
      url: '/v1/chats/new/messages',
      headers: w.alice.headers,
      payload: { provider: 'openai', model: 'gpt-4o', content: 'Look', attachments: [file.id] },
    });
    expect(res.statusCode, res.body).toBe(201);
    expect(json<Sent>(res).user_message.attachments[0]?.id).toBe(file.id);
    const chatsBefore = json<{ chats: unknown[] }>(
      await w.t.app.inject({ method: 'GET', url: '/v1/chats', headers: w.alice.headers }),
    ).chats.length;
    const refused = await w.t.app.inject({
      method: 'POST',
      url: '/v1/chats/new/messages',
      headers: w.alice.headers,
      payload: { provider: 'openai', model: 'gpt-3.5-turbo', content: 'Look', attachments: [file.id] },
    });
    expect(refused.statusCode).toBe(400);
    const chatsAfter = json<{ chats: unknown[] }>(
      await w.t.app.inject({ method: 'GET', url: '/v1/chats', headers: w.alice.headers }),
    ).chats.length;
    expect(chatsAfter).toBe(chatsBefore);
  });
});
