import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { json, type TestApp } from '../../../test/helpers/build-test-app.js';
import { appWithTwoUsers, registerUser, type TestUser } from '../../../test/helpers/factories.js';

let t: TestApp;
let alice: TestUser;
let bob: TestUser;

beforeAll(async () => {
  ({ t, alice, bob } = await appWithTwoUsers());
});
afterAll(() => t.close());

const createChat = async (u: TestUser, payload: Record<string, unknown> = {}) => {
  const res = await t.app.inject({ method: 'POST', url: '/v1/chats', headers: u.headers, payload });
  expect(res.statusCode).toBe(201);
  return json<{ id: string; title: string | null; message_count: number }>(res);
};

describe('chats CRUD', () => {
  it('creates, lists newest first with a cursor, renames and deletes', async () => {
    const u = await registerUser(t.app);
    const a = await createChat(u, { title: 'First' });
    const b = await createChat(u, { title: 'Second' });
    const c = await createChat(u);
    expect(c.title).toBeNull();

    const page1 = await t.app.inject({ method: 'GET', url: '/v1/chats?limit=2', headers: u.headers });
    const p1 = json<{ chats: { id: string }[]; next_cursor: string | null }>(page1);
    expect(p1.chats.map((x) => x.id)).toEqual([c.id, b.id]);
    expect(p1.next_cursor).toBeTruthy();
    const page2 = await t.app.inject({
      method: 'GET',
      url: `/v1/chats?limit=2&cursor=${p1.next_cursor}`,
      headers: u.headers,
    });
    const p2 = json<{ chats: { id: string }[]; next_cursor: string | null }>(page2);
    expect(p2.chats.map((x) => x.id)).toEqual([a.id]);
    expect(p2.next_cursor).toBeNull();

    const renamed = await t.app.inject({
      method: 'PATCH',
      url: `/v1/chats/${a.id}`,
      headers: u.headers,
      payload: { title: 'Renamed' },
    });
    expect(json(renamed)).toMatchObject({ id: a.id, title: 'Renamed' });
    const got = await t.app.inject({ method: 'GET', url: `/v1/chats/${a.id}`, headers: u.headers });
    expect(json(got)).toMatchObject({ id: a.id, title: 'Renamed', messages: [], has_more: false });

    const del = await t.app.inject({ method: 'DELETE', url: `/v1/chats/${a.id}`, headers: u.headers });
    expect(del.statusCode).toBe(204);
    const gone = await t.app.inject({ method: 'GET', url: `/v1/chats/${a.id}`, headers: u.headers });
    expect(gone.statusCode).toBe(404);
  });

  it('answers 400 naming the field', async () => {
    const long = await t.app.inject({
      method: 'POST',
      url: '/v1/chats',
      headers: alice.headers,
      payload: { title: 'x'.repeat(300) },
    });
    expect(long.statusCode).toBe(400);
    expect(json(long)).toMatchObject({ error: { code: 'validation_error', details: { field: 'title' } } });
    const badId = await t.app.inject({ method: 'GET', url: '/v1/chats/not-a-uuid', headers: alice.headers });
    expect(badId.statusCode).toBe(400);
    expect(json(badId)).toMatchObject({ error: { details: { field: 'id' } } });
    const badCursor = await t.app.inject({
      method: 'GET',
      url: '/v1/chats?cursor=zzz',
      headers: alice.headers,
    });
    expect(badCursor.statusCode).toBe(400);
    const badLimit = await t.app.inject({
      method: 'GET',
      url: '/v1/chats?limit=500',
      headers: alice.headers,
    });
    expect(json(badLimit)).toMatchObject({ error: { details: { field: 'limit' } } });
  });

  it('pages through chats whose activity falls within one millisecond without skipping any', async () => {
    const u = await registerUser(t.app);
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const res = await t.app.inject({ method: 'POST', url: '/v1/chats', headers: u.headers, payload: {} });
      ids.push(json<{ id: string }>(res).id);
    }
    // Microseconds apart, in the opposite order of the ids: a cursor cut to milliseconds would lose some.
    for (const [i, id] of ids.entries()) {
      await t.database.db.execute(
        sql`update chats set updated_at = '2026-01-01T00:00:00.123000Z'::timestamptz + ${`${9 - i} microseconds`}::interval where id = ${id}`,
      );
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const res: Awaited<ReturnType<typeof t.app.inject>> = await t.app.inject({
        url: `/v1/chats?limit=2${cursor ? `&cursor=${cursor}` : ''}`,
        headers: u.headers,
      });
      expect(res.statusCode, res.body).toBe(200);
      const body: { chats: { id: string }[]; next_cursor: string | null } = json(res);
      seen.push(...body.chats.map((c) => c.id));
      cursor = body.next_cursor;
    } while (cursor);
    expect(seen).toEqual(ids);
    const tampered = Buffer.from(JSON.stringify(['2026-01-01T00:00:00.123Z', 'not-a-uuid'])).toString(
      'base64url',
    );
    const bad = await t.app.inject({ url: `/v1/chats?cursor=${tampered}`, headers: u.headers });
    expect(bad.statusCode).toBe(400);
    expect(json(bad)).toMatchObject({ error: { details: { field: 'cursor' } } });
  });

  it('answers 401 without a token', async () => {
    for (const [method, url] of [
      ['GET', '/v1/chats'],
      ['POST', '/v1/chats'],
      ['GET', '/v1/chats/00000000-0000-4000-8000-000000000000'],
    ] as const) {
      const res = await t.app.inject({ method, url });
      expect(res.statusCode).toBe(401);
    }
  });

  it("answers 404 for another user's chat on every route", async () => {
    const chat = await createChat(alice, { title: 'private' });
    const calls = [
      { method: 'GET', url: `/v1/chats/${chat.id}` },
      { method: 'PATCH', url: `/v1/chats/${chat.id}`, payload: { title: 'mine now' } },
      { method: 'DELETE', url: `/v1/chats/${chat.id}` },
      {
        method: 'POST',
        url: `/v1/chats/${chat.id}/messages`,
        payload: { content: 'hi', provider: 'openai', model: 'm' },
      },
    ] as const;
    for (const c of calls) {
      const res = await t.app.inject({ ...c, headers: bob.headers });
      expect(res.statusCode, `${c.method} ${c.url}`).toBe(404);
    }
    const list = json<{ chats: { id: string }[] }>(
      await t.app.inject({ method: 'GET', url: '/v1/chats', headers: bob.headers }),
    );
    expect(list.chats.map((c) => c.id)).not.toContain(chat.id);
    const still = await t.app.inject({ method: 'GET', url: `/v1/chats/${chat.id}`, headers: alice.headers });
    expect(json(still)).toMatchObject({ title: 'private' });
  });

  it('refuses a model config that is not the caller’s', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/v1/chats',
      headers: alice.headers,
      payload: { model_config_id: '00000000-0000-4000-8000-000000000000' },
    });
    expect(res.statusCode).toBe(404);
  });
});
