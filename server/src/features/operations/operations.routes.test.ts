import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, json, type TestApp } from '../../../test/helpers/build-test-app.js';
import { registerUser, type TestUser } from '../../../test/helpers/factories.js';
import { testEngine } from '../../../test/helpers/test-db.js';
import { jobs, localEndpoints } from '../../db/schema/index.js';

let t: TestApp;
let admin: TestUser;
let second: TestUser;
let user: TestUser;

type Entry = {
  id: string;
  actor_id: string | null;
  actor_email: string | null;
  action: string;
  target_id: string;
};
type Page = { entries: Entry[]; next_cursor: string | null };

/** `null` headers: no token at all. */
const get = (url: string, headers: Record<string, string> | null = admin.headers) =>
  t.app.inject({ method: 'GET', url, ...(headers ? { headers } : {}) });

beforeAll(async () => {
  t = await buildTestApp();
  admin = await registerUser(t.app);
  second = await registerUser(t.app);
  user = await registerUser(t.app);
  // Audit rows from two actors: admin promotes `second`, who then creates and revokes an invite.
  await t.app.inject({
    method: 'PATCH',
    url: `/v1/admin/users/${second.id}`,
    headers: admin.headers,
    payload: { role: 'admin' },
  });
  const inv = json<{ code: string }>(
    await t.app.inject({ method: 'POST', url: '/v1/admin/invites', headers: second.headers, payload: {} }),
  );
  await t.app.inject({ method: 'DELETE', url: `/v1/admin/invites/${inv.code}`, headers: second.headers });
});
afterAll(() => t.close());

describe('GET /admin/audit', () => {
  it('lists entries newest first with the actor, and pages with a keyset cursor', async () => {
    const all = json<Page>(await get('/v1/admin/audit'));
    expect(all.entries.map((e) => e.action)).toEqual(['invite.revoke', 'invite.create', 'user.role_change']);
    expect(all.entries[2]).toMatchObject({
      actor_id: admin.id,
      actor_email: admin.email,
      target_id: second.id,
    });
    expect(all.next_cursor).toBeNull();

    const p1 = json<Page>(await get('/v1/admin/audit?limit=2'));
    expect(p1.entries.map((e) => e.action)).toEqual(['invite.revoke', 'invite.create']);
    const p2 = json<Page>(await get(`/v1/admin/audit?limit=2&cursor=${p1.next_cursor}`));
    expect(p2).toMatchObject({ entries: [{ action: 'user.role_change' }], next_cursor: null });
  });

  it('filters by actor (id or email), action and time', async () => {
    const byId = json<Page>(await get(`/v1/admin/audit?actor=${second.id}`));
    expect(byId.entries.map((e) => e.action)).toEqual(['invite.revoke', 'invite.create']);
    const byEmail = json<Page>(
      await get(`/v1/admin/audit?actor=${encodeURIComponent(admin.email.toUpperCase())}`),
    );
    expect(byEmail.entries.map((e) => e.action)).toEqual(['user.role_change']);
    const byAction = json<Page>(await get('/v1/admin/audit?action=invite.create'));
    expect(byAction.entries).toHaveLength(1);
    expect(byAction.entries[0]?.actor_id).toBe(second.id);

    const future = new Date(Date.now() + 3_600_000).toISOString();
    const past = new Date(Date.now() - 3_600_000).toISOString();
    expect(json<Page>(await get(`/v1/admin/audit?since=${future}`)).entries).toEqual([]);
    expect(json<Page>(await get(`/v1/admin/audit?until=${past}`)).entries).toEqual([]);
    expect(json<Page>(await get(`/v1/admin/audit?since=${past}&until=${future}`)).entries).toHaveLength(3);
  });

  it('answers 400 naming the field, 403 to a user, 401 without a token', async () => {
    for (const [query, field] of [
      ['actor=nobody', 'actor'],
      ['action=DROP%20TABLE', 'action'],
      ['since=yesterday', 'since'],
      ['until=2024-13-01', 'until'],
      ['limit=0', 'limit'],
      [`cursor=${Buffer.from('["x"]').toString('base64url')}`, 'cursor'],
    ]) {
      const res = await get(`/v1/admin/audit?${query}`);
      expect(res.statusCode, query).toBe(400);
      expect(json(res), query).toMatchObject({ error: { code: 'validation_error', details: { field } } });
    }
    const forbidden = await get('/v1/admin/audit', user.headers);
    expect(forbidden.statusCode).toBe(403);
    expect(json(forbidden)).toMatchObject({ error: { code: 'forbidden' } });
    expect((await get('/v1/admin/audit', null)).statusCode).toBe(401);
  });
});

describe("admins and users' chats", () => {
  it("the admin view holds no chat, and an admin token cannot open a user's chat", async () => {
    const chat = json<{ id: string }>(
      await t.app.inject({
        method: 'POST',
        url: '/v1/chats',
        headers: user.headers,
        payload: { title: 'diary of a private person' },
      }),
    );
    const asAdmin = await get(`/v1/chats/${chat.id}`);
    expect(asAdmin.statusCode).toBe(404);
    for (const url of ['/v1/admin/status', '/v1/admin/audit']) {
      expect((await get(url)).body).not.toContain('diary of a private person');
    }
  });
});

describe('GET /admin/status', () => {
  it('reports database, Redis, migrations, jobs, running answers, endpoints, version and uptime', async () => {
    await t.database.db.insert(jobs).values([
      { userId: user.id, jobType: 'image_generation', status: 'pending' },
      { userId: user.id, jobType: 'image_generation', status: 'failed' },
    ]);
    await t.database.db.insert(localEndpoints).values({
      userId: user.id,
      name: 'basement ollama',
      baseUrl: 'http://10.9.9.9:11434',
      endpointType: 'ollama',
      healthStatus: 'unhealthy',
      consecutiveFailures: 4,
      errorMessage: 'connect ECONNREFUSED',
    });
    const res = await get('/v1/admin/status');
    expect(res.statusCode, res.body).toBe(200);
    const s = json<Record<string, unknown>>(res);
    expect(s).toMatchObject({
      version: expect.stringMatching(/^\d+\.\d+\.\d+/),
      uptime_seconds: expect.any(Number),
      database: { status: 'ok', engine: testEngine(), latency_ms: expect.any(Number) },
      redis: t.redis ? { status: 'ok' } : { status: 'not_configured' },
      jobs: { pending: 1, processing: 0, failed_last_24h: 1, oldest_pending_at: expect.any(String) },
      running_answers: 0,
      endpoints: {
        healthy: 0,
        unhealthy: 1,
        failing: [{ name: 'basement ollama', health_status: 'unhealthy', consecutive_failures: 4 }],
      },
      backup: { supported: testEngine() === 'pglite', restore_pending: false },
    });
    const m = s.migrations as { applied: number; known: number; pending: number };
    expect(m.applied).toBeGreaterThanOrEqual(4);
    expect(m).toMatchObject({ applied: m.known, pending: 0 });
    // An endpoint's URL is the user's configuration, not the admin's business: only name and health.
    expect(res.body).not.toContain('10.9.9.9');
  });

  it('shows Redis as down when it stops answering, without failing the answer', async () => {
    if (!t.redis) return;
    const other = await buildTestApp();
    try {
      const a = await registerUser(other.app);
      other.redis?.disconnect();
      const res = await other.app.inject({ method: 'GET', url: '/v1/admin/status', headers: a.headers });
      expect(res.statusCode).toBe(200);
      expect(json(res)).toMatchObject({ redis: { status: 'down' }, database: { status: 'ok' } });
    } finally {
      await other.close();
    }
  });

  it('answers 403 to a user and 401 without a token', async () => {
    expect((await get('/v1/admin/status', user.headers)).statusCode).toBe(403);
    expect((await get('/v1/admin/status', null)).statusCode).toBe(401);
  });
});

describe('/docs/json', () => {
  it('documents the audit, status, backup and restore routes', async () => {
    const res = await get('/docs/json', null);
    expect(res.statusCode).toBe(200);
    type Op = { parameters?: { name: string }[] };
    const paths = json<{ paths: Record<string, Record<string, Op>> }>(res).paths;
    expect(paths['/v1/admin/audit']?.get?.parameters?.map((p) => p.name)).toEqual(
      expect.arrayContaining(['actor', 'action', 'since', 'until', 'limit', 'cursor']),
    );
    expect(paths['/v1/admin/status']?.get).toBeDefined();
    expect(paths['/v1/admin/backup']?.post).toBeDefined();
    expect(paths['/v1/admin/restore']?.post).toBeDefined();
  });
});
