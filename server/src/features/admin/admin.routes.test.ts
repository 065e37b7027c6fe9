import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, json, type TestApp } from '../../../test/helpers/build-test-app.js';
import { logIn, refreshLogin, registerUser, type TestUser } from '../../../test/helpers/factories.js';
import { auditLog } from '../../db/schema/index.js';

let t: TestApp;
let admin: TestUser;
beforeAll(async () => {
  t = await buildTestApp();
  admin = await registerUser(t.app);
});
afterAll(() => t.close());

const auditRows = (targetId: string) =>
  t.database.db
    .select()
    .from(auditLog)
    .where(and(eq(auditLog.targetId, targetId), eq(auditLog.actorId, admin.id)));

const patchUser = (id: string, payload: Record<string, unknown>, headers = admin.headers) =>
  t.app.inject({ method: 'PATCH', url: `/v1/admin/users/${id}`, headers, payload });

type UserList = {
  users: { id: string; last_login_at: string | null; email: string }[];
  next_cursor: string | null;
};

describe('GET /admin/users', () => {
  it('lists accounts newest first, pages with a cursor, and shows the last login', async () => {
    const a = await registerUser(t.app);
    const b = await registerUser(t.app);
    await logIn(t.app, a.email, a.password);

    const first = await t.app.inject({
      method: 'GET',
      url: '/v1/admin/users?limit=1',
      headers: admin.headers,
    });
    expect(first.statusCode).toBe(200);
    const page1 = json<UserList>(first);
    expect(page1.users.map((u) => u.id)).toEqual([b.id]);
    expect(page1.users[0]?.last_login_at).toEqual(expect.any(String));
    expect(page1.next_cursor).toEqual(expect.any(String));
    expect(first.body).not.toContain('password');

    const second = await t.app.inject({
      method: 'GET',
      url: `/v1/admin/users?limit=1&cursor=${page1.next_cursor}`,
      headers: admin.headers,
    });
    expect(json<UserList>(second).users.map((u) => u.id)).toEqual([a.id]);

    const all = json<UserList>(
      await t.app.inject({ method: 'GET', url: '/v1/admin/users', headers: admin.headers }),
    );
    const ids = all.users.map((u) => u.id);
    expect(ids.indexOf(b.id)).toBeLessThan(ids.indexOf(a.id));
    expect(ids.at(-1)).toBe(admin.id);
    expect(all.next_cursor).toBeNull();
  });

  it('answers 400 naming limit or cursor, 403 to a user, 401 without a token', async () => {
    const user = await registerUser(t.app);
    const badLimit = await t.app.inject({
      method: 'GET',
      url: '/v1/admin/users?limit=0',
      headers: admin.headers,
    });
    expect(badLimit.statusCode).toBe(400);
    expect(json(badLimit)).toMatchObject({ error: { details: { field: 'limit' } } });
    const badCursor = await t.app.inject({
      method: 'GET',
      url: `/v1/admin/users?cursor=${Buffer.from('["nope"]').toString('base64url')}`,
      headers: admin.headers,
    });
    expect(badCursor.statusCode).toBe(400);
    expect(json(badCursor)).toMatchObject({ error: { details: { field: 'cursor' } } });
    const forbidden = await t.app.inject({ method: 'GET', url: '/v1/admin/users', headers: user.headers });
    expect(forbidden.statusCode).toBe(403);
    expect(json(forbidden)).toMatchObject({ error: { code: 'forbidden' } });
    expect((await t.app.inject({ method: 'GET', url: '/v1/admin/users' })).statusCode).toBe(401);
  });
});

describe('PATCH /admin/users/{id}', () => {
  it('promotes and demotes, with an audit row for each change', async () => {
    const u = await registerUser(t.app);
    const up = await patchUser(u.id, { role: 'admin' });
    expect(up.statusCode).toBe(200);
    expect(json(up)).toMatchObject({ id: u.id, role: 'admin', disabled: false });
    // The cached principal is dropped at once: the promoted user's token reaches admin routes now.
    expect(
      (await t.app.inject({ method: 'GET', url: '/v1/admin/users', headers: u.headers })).statusCode,
    ).toBe(200);
    const down = await patchUser(u.id, { role: 'user' });
    expect(json(down)).toMatchObject({ role: 'user' });
    expect(
      (await t.app.inject({ method: 'GET', url: '/v1/admin/users', headers: u.headers })).statusCode,
    ).toBe(403);
    const rows = await auditRows(u.id);
    expect(rows.map((r) => [r.action, r.details])).toEqual([
      ['user.role_change', { from: 'user', to: 'admin' }],
      ['user.role_change', { from: 'admin', to: 'user' }],
    ]);
  });

  it('locks a disabled user out at once and lets them back in after enabling, with audit rows', async () => {
    const u = await registerUser(t.app);
    expect((await t.app.inject({ method: 'GET', url: '/v1/auth/me', headers: u.headers })).statusCode).toBe(
      200,
    );
    const off = await patchUser(u.id, { disabled: true });
    expect(off.statusCode).toBe(200);
    expect(json(off)).toMatchObject({ disabled: true });

    const me = await t.app.inject({ method: 'GET', url: '/v1/auth/me', headers: u.headers });
    expect([401, 403]).toContain(me.statusCode);
    const refresh = await refreshLogin(t.app, u.refreshToken);
    expect(refresh.statusCode).toBe(401);
    const login = await logIn(t.app, u.email, u.password);
    expect(login.statusCode).toBe(403);
    expect(json(login)).toMatchObject({ error: { code: 'account_disabled' } });

    const on = await patchUser(u.id, { disabled: false });
    expect(json(on)).toMatchObject({ disabled: false });
    const again = await logIn(t.app, u.email, u.password);
    expect(again.statusCode).toBe(200);
    // Disabling ended the old sessions for good: re-enabling means signing in again.
    expect((await t.app.inject({ method: 'GET', url: '/v1/auth/me', headers: u.headers })).statusCode).toBe(
      401,
    );
    expect((await auditRows(u.id)).map((r) => r.action)).toEqual(['user.disable', 'user.enable']);
  });

  it('refuses to let an admin demote or disable themselves', async () => {
    for (const payload of [{ role: 'user' }, { disabled: true }]) {
      const res = await patchUser(admin.id, payload);
      expect(res.statusCode).toBe(409);
      expect(json(res)).toMatchObject({ error: { code: 'conflict' } });
    }
    const me = await t.app.inject({ method: 'GET', url: '/v1/auth/me', headers: admin.headers });
    expect(json(me)).toMatchObject({ role: 'admin', disabled: false });
  });

  it('never leaves the installation without an active admin, even for an admin demoted meanwhile', async () => {
    const second = await registerUser(t.app);
    await patchUser(second.id, { role: 'admin' });
    // `second` was demoted after its request passed the role check; its change must not remove the last admin.
    await patchUser(second.id, { role: 'user' });
    await expect(
      t.app.ctx.services.admin.updateUser(second.id, admin.id, { role: 'user' }),
    ).rejects.toMatchObject({
      code: 'conflict',
    });
    const me = await t.app.inject({ method: 'GET', url: '/v1/auth/me', headers: admin.headers });
    expect(json(me)).toMatchObject({ role: 'admin' });
  });

  it('answers 404 for an unknown user, 400 naming the field, 403 to a user, 401 without a token', async () => {
    const u = await registerUser(t.app);
    const unknown = await patchUser('0190aaaa-0000-7000-8000-000000000000', { disabled: true });
    expect(unknown.statusCode).toBe(404);
    const badRole = await patchUser(u.id, { role: 'root' });
    expect(badRole.statusCode).toBe(400);
    expect(json(badRole)).toMatchObject({ error: { details: { field: 'role' } } });
    const badId = await patchUser('nope', { role: 'user' });
    expect(json(badId)).toMatchObject({ error: { details: { field: 'id' } } });
    const byUser = await patchUser(admin.id, { disabled: true }, u.headers);
    expect(byUser.statusCode).toBe(403);
    const anon = await t.app.inject({
      method: 'PATCH',
      url: `/v1/admin/users/${u.id}`,
      payload: { role: 'admin' },
    });
    expect(anon.statusCode).toBe(401);
  });
});

describe('/admin/invites', () => {
  it('creates, lists and revokes invite codes, with audit rows', async () => {
    const created = await t.app.inject({
      method: 'POST',
      url: '/v1/admin/invites',
      headers: admin.headers,
      payload: { max_uses: 3, expires_at: new Date(Date.now() + 86_400_000).toISOString() },
    });
    expect(created.statusCode).toBe(201);
    const inv = json<{ code: string }>(created);
    expect(inv).toMatchObject({ max_uses: 3, uses: 0, created_by: admin.id });
    const list = await t.app.inject({ method: 'GET', url: '/v1/admin/invites', headers: admin.headers });
    expect(json<{ invites: { code: string }[] }>(list).invites.map((i) => i.code)).toContain(inv.code);

    const del = await t.app.inject({
      method: 'DELETE',
      url: `/v1/admin/invites/${inv.code}`,
      headers: admin.headers,
    });
    expect(del.statusCode).toBe(204);
    const gone = await t.app.inject({
      method: 'DELETE',
      url: `/v1/admin/invites/${inv.code}`,
      headers: admin.headers,
    });
    expect(gone.statusCode).toBe(404);
    expect((await auditRows(inv.code)).map((r) => r.action)).toEqual(['invite.create', 'invite.revoke']);
  });

  it('answers 400 naming the field, 403 to a user, 401 without a token', async () => {
    const u = await registerUser(t.app);
    const bad = await t.app.inject({
      method: 'POST',
      url: '/v1/admin/invites',
      headers: admin.headers,
      payload: { max_uses: 0 },
    });
    expect(bad.statusCode).toBe(400);
    expect(json(bad)).toMatchObject({ error: { details: { field: 'max_uses' } } });
    const past = await t.app.inject({
      method: 'POST',
      url: '/v1/admin/invites',
      headers: admin.headers,
      payload: { expires_at: '2000-01-01T00:00:00Z' },
    });
    expect(json(past)).toMatchObject({ error: { details: { field: 'expires_at' } } });
    for (const [method, url] of [
      ['POST', '/v1/admin/invites'],
      ['GET', '/v1/admin/invites'],
      ['DELETE', '/v1/admin/invites/abc'],
    ] as const) {
      expect((await t.app.inject({ method, url, headers: u.headers, payload: {} })).statusCode).toBe(403);
      expect((await t.app.inject({ method, url, payload: {} })).statusCode).toBe(401);
    }
  });
});

describe('GET /admin/waitlist', () => {
  it('lists entries newest first with paging, 403 to a user, 401 without a token', async () => {
    for (const email of ['w1@example.com', 'w2@example.com', 'w3@example.com']) {
      await t.app.inject({ method: 'POST', url: '/v1/waitlist', payload: { email } });
    }
    const res = await t.app.inject({
      method: 'GET',
      url: '/v1/admin/waitlist?limit=2',
      headers: admin.headers,
    });
    expect(res.statusCode).toBe(200);
    const page1 = json<{ entries: { email: string }[]; next_cursor: string }>(res);
    expect(page1.entries.map((e) => e.email)).toEqual(['w3@example.com', 'w2@example.com']);
    const next = await t.app.inject({
      method: 'GET',
      url: `/v1/admin/waitlist?limit=2&cursor=${page1.next_cursor}`,
      headers: admin.headers,
    });
    expect(json(next)).toMatchObject({ entries: [{ email: 'w1@example.com' }], next_cursor: null });

    const u = await registerUser(t.app);
    expect(
      (await t.app.inject({ method: 'GET', url: '/v1/admin/waitlist', headers: u.headers })).statusCode,
    ).toBe(403);
    expect((await t.app.inject({ method: 'GET', url: '/v1/admin/waitlist' })).statusCode).toBe(401);
  });
});
