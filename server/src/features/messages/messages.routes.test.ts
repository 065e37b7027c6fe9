import { sql } from 'drizzle-orm';
import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { json, type TestApp } from '../../../test/helpers/build-test-app.js';
import { insertChat } from '../../../test/helpers/chat-rows.js';
import { appWithTwoUsers, registerUser, type TestUser } from '../../../test/helpers/factories.js';

let t: TestApp;
let alice: TestUser;
let bob: TestUser;
let userMsg: string;
let answer: string;
beforeAll(async () => {
  ({ t, alice, bob } = await appWithTwoUsers());
  const { messages } = await insertChat(t.database.db, alice.id, [
    { role: 'user', content: 'What is a volcano?' },
    {
      role: 'assistant',
      content: 'A volcano is an opening in the crust.',
      metadata: { provider: 'openai', model: 'gpt-4o-mini' },
    },
  ]);
  userMsg = messages[0]?.id ?? '';
  answer = messages[1]?.id ?? '';
});
afterAll(() => t.close());

const post = (
  url: string,
  user: TestUser | null,
  payload?: InjectOptions['payload'],
): Promise<LightMyRequestResponse> =>
  t.app.inject({
    method: 'POST',
    url,
    headers: user?.headers ?? {},
    ...(payload === undefined ? {} : { payload }),
  });
const get = (url: string, user: TestUser | null): Promise<LightMyRequestResponse> =>
  t.app.inject({ method: 'GET', url, headers: user?.headers ?? {} });

describe('GET /messages/{id}', () => {
  it('returns the caller’s message of any role in the contract shape', async () => {
    const res = await get(`/v1/messages/${userMsg}`, alice);
    expect(res.statusCode).toBe(200);
    expect(json(res)).toMatchObject({
      id: userMsg,
      role: 'user',
      rating: null,
      pinned: false,
      status: 'completed',
    });
    const a = json(await get(`/api/v1/messages/${answer}`, alice));
    expect(a).toMatchObject({ role: 'assistant', metadata: { provider: 'openai' } });
    expect(typeof a.created_at).toBe('string');
  });

  it('answers 404 for another user’s message, 400 for a bad id, 401 without a token', async () => {
    expect((await get(`/v1/messages/${answer}`, bob)).statusCode).toBe(404);
    const bad = await get('/v1/messages/not-a-uuid', alice);
    expect(bad.statusCode).toBe(400);
    expect(json(bad)).toMatchObject({ error: { details: { field: 'id' } } });
    expect((await get(`/v1/messages/${answer}`, null)).statusCode).toBe(401);
  });
});

describe('POST /messages/{id}/rate', () => {
  it('rates an assistant message, changes and clears the rating', async () => {
    const up = await post(`/v1/messages/${answer}/rate`, alice, { rating: 'up' });
    expect(up.statusCode).toBe(200);
    expect(json(up)).toMatchObject({ id: answer, rating: 'up' });
    expect(json(await post(`/v1/messages/${answer}/rate`, alice, { rating: 'down' }))).toMatchObject({
      rating: 'down',
    });
    expect(json(await get(`/v1/messages/${answer}`, alice))).toMatchObject({ rating: 'down' });
    expect(json(await post(`/v1/messages/${answer}/rate`, alice, { rating: null }))).toMatchObject({
      rating: null,
    });
  });

  it('refuses to rate a user message with a 400 naming message_id', async () => {
    const res = await post(`/v1/messages/${userMsg}/rate`, alice, { rating: 'up' });
    expect(res.statusCode).toBe(400);
    expect(json(res)).toMatchObject({
      error: { code: 'validation_error', details: { field: 'message_id' } },
    });
  });

  it('answers 400 naming rating for a bad value, 404 cross-user, 401 without a token', async () => {
    const bad = await post(`/v1/messages/${answer}/rate`, alice, { rating: 'meh' });
    expect(bad.statusCode).toBe(400);
    expect(json(bad)).toMatchObject({ error: { details: { field: 'rating' } } });
    const missing = await post(`/v1/messages/${answer}/rate`, alice, {});
    expect(json(missing)).toMatchObject({ error: { details: { field: 'rating' } } });
    expect((await post(`/v1/messages/${answer}/rate`, bob, { rating: 'up' })).statusCode).toBe(404);
    expect(json(await get(`/v1/messages/${answer}`, alice))).toMatchObject({ rating: null });
    expect((await post(`/v1/messages/${answer}/rate`, null, { rating: 'up' })).statusCode).toBe(401);
  });
});

describe('POST /messages/{id}/pin and GET /messages/pinned', () => {
  it('toggles without a body and sets explicitly with one', async () => {
    expect(json(await post(`/v1/messages/${answer}/pin`, alice))).toEqual({
      message_id: answer,
      pinned: true,
    });
    expect(json(await post(`/v1/messages/${answer}/pin`, alice, {}))).toEqual({
      message_id: answer,
      pinned: false,
    });
    expect(json(await post(`/v1/messages/${answer}/pin`, alice, { pinned: true }))).toEqual({
      message_id: answer,
      pinned: true,
    });
    expect(json(await post(`/v1/messages/${answer}/pin`, alice, { pinned: true }))).toEqual({
      message_id: answer,
      pinned: true,
    });
    expect(json(await get(`/v1/messages/${answer}`, alice))).toMatchObject({ pinned: true });
    // A client that sets a JSON content type but sends no body (fetch with headers only) also toggles.
    const bare = await t.app.inject({
      method: 'POST',
      url: `/v1/messages/${answer}/pin`,
      headers: { ...alice.headers, 'content-type': 'application/json' },
    });
    expect(bare.statusCode, bare.body).toBe(200);
    expect(json(bare)).toEqual({ message_id: answer, pinned: false });
  });

  it('answers 400 naming pinned, 404 cross-user, 401 without a token', async () => {
    const bad = await post(`/v1/messages/${answer}/pin`, alice, { pinned: 'yes' });
    expect(bad.statusCode).toBe(400);
    expect(json(bad)).toMatchObject({ error: { details: { field: 'pinned' } } });
    const malformed = await t.app.inject({
      method: 'POST',
      url: `/v1/messages/${answer}/pin`,
      headers: { ...alice.headers, 'content-type': 'application/json' },
      payload: '{"pinned": tru',
    });
    expect(malformed.statusCode).toBe(400);
    expect((await post(`/v1/messages/${answer}/pin`, bob, { pinned: false })).statusCode).toBe(404);
    expect((await post(`/v1/messages/${answer}/pin`, null)).statusCode).toBe(401);
  });

  it('lists pinned messages across chats, newest first, in pages, only the caller’s', async () => {
    const db = t.database.db;
    const carol = await registerUser(t.app);
    const older = await insertChat(
      db,
      carol.id,
      [{ role: 'assistant', content: 'old', pinned: true }],
      'Older chat',
    );
    const newer = await insertChat(
      db,
      carol.id,
      [
        { role: 'assistant', content: 'new', pinned: true, createdAt: new Date('2026-02-01T00:00:00Z') },
        { role: 'user', content: 'mine too', pinned: true, createdAt: new Date('2026-01-01T00:00:00Z') },
        { role: 'assistant', content: 'not pinned', createdAt: new Date('2026-03-01T00:00:00Z') },
      ],
      'Newer chat',
    );
    await insertChat(db, bob.id, [{ role: 'assistant', content: 'bob’s', pinned: true }]);
    // One microsecond after "mine too": a cursor that dropped microseconds would skip "mine too".
    await db.execute(
      sql`update messages set created_at = '2026-01-01T00:00:00.000001Z' where content = 'old'`,
    );
    const first = json<{
      messages: { content: string; chat_title: string | null }[];
      next_cursor: string | null;
    }>(await get('/v1/messages/pinned?limit=2', carol));
    expect(first.messages.map((m) => m.content)).toEqual(['new', 'old']);
    // Each says which chat it is in.
    expect(first.messages.map((m) => m.chat_title)).toEqual(['Newer chat', 'Older chat']);
    expect(first.next_cursor).toBeTruthy();
    const second = json<{ messages: { content: string }[]; next_cursor: string | null }>(
      await get(`/v1/messages/pinned?limit=2&cursor=${first.next_cursor}`, carol),
    );
    expect(second.messages.map((m) => m.content)).toEqual(['mine too']);
    expect(second.next_cursor).toBeNull();
    expect(older.chat.id).not.toBe(newer.chat.id);
  });

  it('answers 400 naming limit or cursor, 401 without a token', async () => {
    const badLimit = await get('/v1/messages/pinned?limit=0', alice);
    expect(json(badLimit)).toMatchObject({ error: { details: { field: 'limit' } } });
    const badCursor = await get('/v1/messages/pinned?cursor=zzz', alice);
    expect(badCursor.statusCode).toBe(400);
    expect(json(badCursor)).toMatchObject({ error: { details: { field: 'cursor' } } });
    expect((await get('/v1/messages/pinned', null)).statusCode).toBe(401);
  });
});
