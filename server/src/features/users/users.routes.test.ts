import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, json, type TestApp } from '../../../test/helpers/build-test-app.js';
import { logIn, refreshLogin, registerUser, type TestUser } from '../../../test/helpers/factories.js';
import type { Db } from '../../db/client.js';
import { authSessions, chats, messages, modelConfigs, templates, users } from '../../db/schema/index.js';

let t: TestApp;
let admin: TestUser;
beforeAll(async () => {
  t = await buildTestApp();
  admin = await registerUser(t.app);
});
afterAll(() => t.close());

const db = (): Db => t.database.db;
const KEY_ENC = 'v1:sealed-ciphertext-of-the-key';
const KEY_PREVIEW = 'sk-…9xyz';

/** Rows a user owns, written straight to the tables (other features own their endpoints). */
async function seedOwnedRows(userId: string) {
  const [config] = await db()
    .insert(modelConfigs)
    .values({
      userId,
      name: 'My GPT',
      provider: 'openai',
      model: 'gpt-4o-mini',
      apiKeyEnc: KEY_ENC,
      keyId: 'key-2026',
      apiKeyPreview: KEY_PREVIEW,
    })
    .returning();
  const [chat] = await db()
    .insert(chats)
    .values({ userId, title: 'First chat', modelConfigId: config?.id ?? null, messageCount: 3 })
    .returning();
  if (!chat || !config) throw new Error('seed failed');
  const base = Date.parse('2026-01-01T00:00:00Z');
  // Inserted newest first, so an export in insertion order would be caught.
  await db()
    .insert(messages)
    .values([
      { chatId: chat.id, userId, role: 'user', content: 'third', createdAt: new Date(base + 3000) },
      { chatId: chat.id, userId, role: 'assistant', content: 'second', createdAt: new Date(base + 2000) },
      { chatId: chat.id, userId, role: 'user', content: 'first', createdAt: new Date(base + 1000) },
    ]);
  const [emptyChat] = await db().insert(chats).values({ userId, title: 'Empty' }).returning();
  if (!emptyChat) throw new Error('seed failed');
  await db().insert(templates).values({ userId, name: 'Summarise', content: 'Summarise: {{text}}' });
  return { chat, emptyChat, config };
}

describe('GET /users/{id}', () => {
  it("answers another user's public profile only", async () => {
    const u = await registerUser(t.app, { username: `pub${Date.now()}` });
    const res = await t.app.inject({ method: 'GET', url: `/v1/users/${u.id}`, headers: admin.headers });
    expect(res.statusCode).toBe(200);
    const body = json(res);
    expect(Object.keys(body).sort()).toEqual([
      'avatar_url',
      'bio',
      'full_name',
      'id',
      'profession',
      'username',
    ]);
    expect(body).toMatchObject({ id: u.id });
    expect(res.body).not.toContain(u.email);
  });

  it('answers 404 for an unknown id, 400 naming id for a malformed one, 401 without a token', async () => {
    const unknown = await t.app.inject({
      method: 'GET',
      url: '/v1/users/0190aaaa-0000-7000-8000-000000000000',
      headers: admin.headers,
    });
    expect(unknown.statusCode).toBe(404);
    expect(json(unknown)).toMatchObject({ error: { code: 'not_found' } });
    const bad = await t.app.inject({ method: 'GET', url: '/v1/users/nope', headers: admin.headers });
    expect(bad.statusCode).toBe(400);
    expect(json(bad)).toMatchObject({ error: { code: 'validation_error', details: { field: 'id' } } });
    const anon = await t.app.inject({ method: 'GET', url: `/v1/users/${admin.id}` });
    expect(anon.statusCode).toBe(401);
  });
});

describe('PATCH /users/me', () => {
  it('changes only the fields sent, and null clears', async () => {
    const u = await registerUser(t.app);
    const first = await t.app.inject({
      method: 'PATCH',
      url: '/v1/users/me',
      headers: u.headers,
      payload: {
        full_name: 'Ada Lovelace',
        bio: 'Analyst',
        date_of_birth: '1815-12-10',
        survey_completed: true,
      },
    });
    expect(first.statusCode).toBe(200);
    expect(json(first)).toMatchObject({ full_name: 'Ada Lovelace', bio: 'Analyst', survey_completed: true });
    const second = await t.app.inject({
      method: 'PATCH',
      url: '/v1/users/me',
      headers: u.headers,
      payload: { bio: null, profession: 'Mathematician' },
    });
    expect(json(second)).toMatchObject({ full_name: 'Ada Lovelace', bio: null, profession: 'Mathematician' });
    const me = await t.app.inject({ method: 'GET', url: '/v1/users/me', headers: u.headers });
    expect(json(me)).toMatchObject({ id: u.id, full_name: 'Ada Lovelace', date_of_birth: '1815-12-10' });
  });

  it('shows the edit in GET /auth/me even when the profile was read (and kept in memory) before', async () => {
    const u = await registerUser(t.app);
    const me = () => t.app.inject({ method: 'GET', url: '/v1/auth/me', headers: u.headers });
    expect(json(await me())).toMatchObject({ full_name: null });
    const edit = await t.app.inject({
      method: 'PATCH',
      url: '/v1/users/me',
      headers: u.headers,
      payload: { full_name: 'Grace Hopper' },
    });
    expect(edit.statusCode).toBe(200);
    expect(json(await me())).toMatchObject({ full_name: 'Grace Hopper' });
  });

  it('answers 409 username_taken for a username in another case', async () => {
    const name = `Taken${Date.now()}`;
    await registerUser(t.app, { username: name });
    const u = await registerUser(t.app);
    const res = await t.app.inject({
      method: 'PATCH',
      url: '/v1/users/me',
      headers: u.headers,
      payload: { username: name.toLowerCase() },
    });
    expect(res.statusCode).toBe(409);
    expect(json(res)).toMatchObject({ error: { code: 'username_taken', details: { field: 'username' } } });
  });

  it('answers 400 naming the field for bad values and unknown fields, 401 without a token', async () => {
    const u = await registerUser(t.app);
    const cases: [Record<string, unknown>, string][] = [
      [{ username: 'has spaces' }, 'username'],
      [{ date_of_birth: 'yesterday' }, 'date_of_birth'],
      [{ avatar_url: 'not a url' }, 'avatar_url'],
    ];
    for (const [payload, field] of cases) {
      const res = await t.app.inject({ method: 'PATCH', url: '/v1/users/me', headers: u.headers, payload });
      expect(res.statusCode).toBe(400);
      expect(json(res)).toMatchObject({ error: { code: 'validation_error', details: { field } } });
    }
    const unknown = await t.app.inject({
      method: 'PATCH',
      url: '/v1/users/me',
      headers: u.headers,
      payload: { role: 'admin' },
    });
    expect(unknown.statusCode).toBe(400);
    const row = await db().select().from(users).where(eq(users.id, u.id));
    expect(row[0]?.role).toBe('user');
    const anon = await t.app.inject({ method: 'PATCH', url: '/v1/users/me', payload: { bio: 'x' } });
    expect(anon.statusCode).toBe(401);
  });
});

describe('POST /users/me/password', () => {
  it('changes the password, keeps this session and ends the others', async () => {
    const u = await registerUser(t.app);
    const other = await logIn(t.app, u.email, u.password);
    const otherTokens = json<{ access_token: string; refresh_token: string }>(other);
    const otherHeaders = { authorization: `Bearer ${otherTokens.access_token}` };
    expect(
      (await t.app.inject({ method: 'GET', url: '/v1/auth/me', headers: otherHeaders })).statusCode,
    ).toBe(200);

    const res = await t.app.inject({
      method: 'POST',
      url: '/v1/users/me/password',
      headers: u.headers,
      payload: { current_password: u.password, new_password: 'a brand new password' },
    });
    expect(res.statusCode).toBe(204);
    expect((await t.app.inject({ method: 'GET', url: '/v1/auth/me', headers: u.headers })).statusCode).toBe(
      200,
    );
    expect(
      (await t.app.inject({ method: 'GET', url: '/v1/auth/me', headers: otherHeaders })).statusCode,
    ).toBe(401);
    const refresh = await refreshLogin(t.app, otherTokens.refresh_token);
    expect(refresh.statusCode).toBe(401);
    const oldLogin = await logIn(t.app, u.email, u.password);
    expect(oldLogin.statusCode).toBe(401);
    const newLogin = await logIn(t.app, u.email, 'a brand new password');
    expect(newLogin.statusCode).toBe(200);
  });

  it('answers 400 naming current_password when it is wrong, and changes nothing', async () => {
    const u = await registerUser(t.app);
    const res = await t.app.inject({
      method: 'POST',
      url: '/v1/users/me/password',
      headers: u.headers,
      payload: { current_password: 'not my password', new_password: 'a brand new password' },
    });
    expect(res.statusCode).toBe(400);
    expect(json(res)).toMatchObject({
      error: { code: 'validation_error', details: { field: 'current_password' } },
    });
    const login = await logIn(t.app, u.email, u.password);
    expect(login.statusCode).toBe(200);
  });

  it('answers 400 naming new_password when it is short, 401 without a token', async () => {
    const u = await registerUser(t.app);
    const res = await t.app.inject({
      method: 'POST',
      url: '/v1/users/me/password',
      headers: u.headers,
      payload: { current_password: u.password, new_password: 'short' },
    });
    expect(res.statusCode).toBe(400);
    expect(json(res)).toMatchObject({ error: { details: { field: 'new_password' } } });
    const anon = await t.app.inject({
      method: 'POST',
      url: '/v1/users/me/password',
      payload: { current_password: 'whatever1', new_password: 'whatever2' },
    });
    expect(anon.statusCode).toBe(401);
  });
});

describe('DELETE /users/me', () => {
  it('removes the account and every row it owns, and its token stops working', async () => {
    const u = await registerUser(t.app);
    const bystander = await registerUser(t.app);
    const mine = await seedOwnedRows(u.id);
    const theirs = await seedOwnedRows(bystander.id);

    const res = await t.app.inject({ method: 'DELETE', url: '/v1/users/me', headers: u.headers });
    expect(res.statusCode).toBe(204);

    expect(await db().select().from(users).where(eq(users.id, u.id))).toHaveLength(0);
    expect(await db().select().from(authSessions).where(eq(authSessions.userId, u.id))).toHaveLength(0);
    expect(await db().select().from(chats).where(eq(chats.id, mine.chat.id))).toHaveLength(0);
    expect(await db().select().from(messages).where(eq(messages.chatId, mine.chat.id))).toHaveLength(0);
    expect(await db().select().from(modelConfigs).where(eq(modelConfigs.userId, u.id))).toHaveLength(0);
    expect(await db().select().from(templates).where(eq(templates.userId, u.id))).toHaveLength(0);
    // Nobody else's rows went with it.
    expect(await db().select().from(messages).where(eq(messages.chatId, theirs.chat.id))).toHaveLength(3);

    expect((await t.app.inject({ method: 'GET', url: '/v1/auth/me', headers: u.headers })).statusCode).toBe(
      401,
    );
    const login = await logIn(t.app, u.email, u.password);
    expect(login.statusCode).toBe(401);
  });

  it('refuses to delete the last admin while other accounts exist, and answers 401 without a token', async () => {
    const res = await t.app.inject({ method: 'DELETE', url: '/v1/users/me', headers: admin.headers });
    expect(res.statusCode).toBe(409);
    expect(json(res)).toMatchObject({ error: { code: 'conflict' } });
    expect((await t.app.inject({ method: 'DELETE', url: '/v1/users/me' })).statusCode).toBe(401);
  });
});

describe('single-user mode and limits', () => {
  it('refuses to delete the built-in local user', async () => {
    const t2 = await buildTestApp({ env: { AUTH_MODE: 'single-user' } });
    try {
      const res = await t2.app.inject({ method: 'DELETE', url: '/v1/users/me' });
      expect(res.statusCode).toBe(409);
      expect((await t2.app.inject({ method: 'GET', url: '/v1/users/me' })).statusCode).toBe(200);
    } finally {
      await t2.close();
    }
  });

  it('rate limits password change attempts per user with 429 and Retry-After', async () => {
    const t3 = await buildTestApp({ env: { RATE_LIMIT_AUTH_PER_MIN: '2' } });
    try {
      const u = await registerUser(t3.app);
      const codes: number[] = [];
      for (let i = 0; i < 3; i++) {
        const res = await t3.app.inject({
          method: 'POST',
          url: '/v1/users/me/password',
          headers: u.headers,
          payload: { current_password: `guess number ${i}`, new_password: 'a brand new password' },
        });
        codes.push(res.statusCode);
        if (res.statusCode === 429) expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
      }
      expect(codes).toEqual([400, 400, 429]);
    } finally {
      await t3.close();
    }
  });
});

describe('GET /users/me/export', () => {
  it("exports the caller's profile, chats with messages oldest first, configs without keys, templates", async () => {
    const u = await registerUser(t.app);
    const other = await registerUser(t.app);
    const mine = await seedOwnedRows(u.id);
    const theirs = await seedOwnedRows(other.id);

    const res = await t.app.inject({ method: 'GET', url: '/v1/users/me/export', headers: u.headers });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-disposition']).toMatch(/^attachment; filename="pocketllm-export-/);
    const body = json<{
      profile: { id: string; email: string };
      chats: { id: string; messages: { content: string; chat_id: string }[] }[];
      model_configs: Record<string, unknown>[];
      templates: { name: string }[];
    }>(res);
    expect(body.profile).toMatchObject({ id: u.id, email: u.email });
    expect(body.chats.map((c) => c.id).sort()).toEqual([mine.chat.id, mine.emptyChat.id].sort());
    const chat = body.chats.find((c) => c.id === mine.chat.id);
    expect(chat?.messages.map((m) => m.content)).toEqual(['first', 'second', 'third']);
    expect(body.chats.find((c) => c.id === mine.emptyChat.id)?.messages).toEqual([]);
    expect(body.model_configs).toHaveLength(1);
    expect(body.model_configs[0]).toMatchObject({
      id: mine.config.id,
      provider: 'openai',
      model: 'gpt-4o-mini',
    });
    expect(body.templates.map((tpl) => tpl.name)).toEqual(['Summarise']);

    // No key material in any form, and nothing of the other user.
    expect(res.body).not.toContain(KEY_ENC);
    expect(res.body).not.toContain(KEY_PREVIEW);
    expect(res.body).not.toContain('key-2026');
    expect(res.body).not.toMatch(/api_key|key_id/);
    expect(res.body).not.toContain(theirs.chat.id);
    expect(res.body).not.toContain(other.email);
  });

  it('exports thousands of messages, each under its own chat in order', async () => {
    const u = await registerUser(t.app);
    const chatRows = await db()
      .insert(chats)
      .values(Array.from({ length: 30 }, (_, i) => ({ userId: u.id, title: `chat ${i}` })))
      .returning({ id: chats.id });
    const base = Date.parse('2026-02-01T00:00:00Z');
    // Interleaved across chats and inserted newest first.
    const rows = [];
    for (let n = 69; n >= 0; n--) {
      for (const c of chatRows) {
        rows.push({
          chatId: c.id,
          userId: u.id,
          role: 'user' as const,
          content: `${c.id}:${n}`,
          createdAt: new Date(base + n * 1000),
        });
      }
    }
    await db().insert(messages).values(rows);

    const res = await t.app.inject({ method: 'GET', url: '/v1/users/me/export', headers: u.headers });
    expect(res.statusCode).toBe(200);
    const body = json<{ chats: { id: string; messages: { content: string }[] }[] }>(res);
    expect(body.chats).toHaveLength(30);
    for (const c of body.chats) {
      expect(c.messages.map((m) => m.content)).toEqual(Array.from({ length: 70 }, (_, n) => `${c.id}:${n}`));
    }
  });

  it('answers 401 without a token', async () => {
    expect((await t.app.inject({ method: 'GET', url: '/v1/users/me/export' })).statusCode).toBe(401);
  });
});

describe('/docs/json', () => {
  it('lists the accounts routes', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/docs/json' });
    expect(res.statusCode).toBe(200);
    const paths = json<{ paths: Record<string, Record<string, unknown>> }>(res).paths;
    const expected: [string, string][] = [
      ['/v1/users/{id}', 'get'],
      ['/v1/users/me', 'patch'],
      ['/v1/users/me', 'delete'],
      ['/v1/users/me/password', 'post'],
      ['/v1/users/me/export', 'get'],
      ['/v1/admin/users', 'get'],
      ['/v1/admin/users/{id}', 'patch'],
      ['/v1/admin/invites', 'post'],
      ['/v1/admin/invites', 'get'],
      ['/v1/admin/invites/{code}', 'delete'],
      ['/v1/admin/waitlist', 'get'],
      ['/v1/waitlist', 'post'],
    ];
    for (const [path, method] of expected) expect(paths[path], path).toHaveProperty(method);
  });
});
