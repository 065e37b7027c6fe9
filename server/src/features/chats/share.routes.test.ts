import { createHash } from 'node:crypto';
import type { ShareCreated, SharedChat } from '@pocketllm/contracts';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, json, type TestApp } from '../../../test/helpers/build-test-app.js';
import { registerUser, type TestUser } from '../../../test/helpers/factories.js';
import { chatShares, chats, messages } from '../../db/schema/index.js';
import { newId } from '../../lib/ids.js';

let t: TestApp;
let owner: TestUser;
let other: TestUser;

beforeAll(async () => {
  t = await buildTestApp();
  owner = await registerUser(t.app);
  other = await registerUser(t.app);
});
afterAll(() => t.close());

type Msg = { role: 'user' | 'assistant'; content: string; parent: string | null; model?: string };

/** A chat whose tree has a side branch: u1 → a1 → u2 → {a2 (current), a2b}; returns its ids. */
async function treeChat(user: TestUser, title = 'Shared chat') {
  const chatId = newId();
  await t.database.db.insert(chats).values({ id: chatId, userId: user.id, title, messageCount: 5 });
  const ids: Record<string, string> = {};
  const base = Date.now() - 60_000;
  const add = async (name: string, m: Msg, i: number) => {
    ids[name] = newId();
    await t.database.db.insert(messages).values({
      id: ids[name],
      chatId,
      userId: user.id,
      parentId: m.parent,
      role: m.role,
      content: m.content,
      metadata: m.model ? { provider: 'openai', model: m.model, latency_ms: 12 } : {},
      createdAt: new Date(base + i * 1000),
    });
  };
  await add('u1', { role: 'user', content: 'first question', parent: null }, 0);
  await add(
    'a1',
    { role: 'assistant', content: 'first answer', parent: ids.u1 as string, model: 'model-a' },
    1,
  );
  await add('u2', { role: 'user', content: 'second question', parent: ids.a1 as string }, 2);
  await add(
    'a2b',
    { role: 'assistant', content: 'other branch', parent: ids.u2 as string, model: 'model-x' },
    3,
  );
  await add(
    'a2',
    { role: 'assistant', content: 'second answer', parent: ids.u2 as string, model: 'model-b' },
    4,
  );
  await t.database.db.update(chats).set({ currentLeafId: ids.a2 }).where(eq(chats.id, chatId));
  return { chatId, ids };
}

const share = (user: TestUser | null, chatId: string, payload?: Record<string, unknown>) =>
  t.app.inject({
    method: 'POST',
    url: `/v1/chats/${chatId}/share`,
    headers: user?.headers ?? {},
    ...(payload ? { payload } : {}),
  });
const view = (token: string) => t.app.inject({ url: `/v1/shared/${token}` });

describe('POST /v1/chats/{id}/share and GET /v1/shared/{token}', () => {
  it('shares the current branch as it is now, to anyone, without ids, emails or metadata', async () => {
    const { chatId, ids } = await treeChat(owner);
    const res = await share(owner, chatId);
    expect(res.statusCode, res.body).toBe(201);
    const created = json<ShareCreated>(res);
    // 32 random bytes, base64url: 256 bits.
    expect(created.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(created.url).toMatch(new RegExp(`/s/${created.token}$`));
    expect(created.expires_at).toBeNull();

    const seen = await view(created.token);
    expect(seen.statusCode, seen.body).toBe(200);
    expect(seen.headers['cache-control']).toBe('no-store');
    const body = json<SharedChat>(seen);
    expect(body.title).toBe('Shared chat');
    expect(body.messages.map((m) => [m.role, m.content])).toEqual([
      ['user', 'first question'],
      ['assistant', 'first answer'],
      ['user', 'second question'],
      ['assistant', 'second answer'],
    ]);
    expect(body.models).toEqual(['model-a', 'model-b']);
    expect(Object.keys(body).sort()).toEqual(['expires_at', 'messages', 'models', 'shared_at', 'title']);
    for (const m of body.messages) expect(Object.keys(m).sort()).toEqual(['content', 'created_at', 'role']);
    for (const secret of [owner.email, owner.id, chatId, ...Object.values(ids), 'openai', 'latency_ms']) {
      expect(seen.body).not.toContain(secret);
    }

    // Later messages do not reach the link: it is a snapshot.
    const later = newId();
    await t.database.db.insert(messages).values({
      id: later,
      chatId,
      userId: owner.id,
      parentId: ids.a2,
      role: 'user',
      content: 'a later private question',
    });
    await t.database.db
      .update(chats)
      .set({ currentLeafId: later, title: 'renamed' })
      .where(eq(chats.id, chatId));
    const again = json<SharedChat>(await view(created.token));
    expect(again.messages).toHaveLength(4);
    expect(again.title).toBe('Shared chat');
  });

  it('a chat without a current leaf (written before the tree) is shared as one branch in time order', async () => {
    const chatId = newId();
    await t.database.db.insert(chats).values({ id: chatId, userId: owner.id, title: 'Old chat' });
    const base = Date.now() - 10_000;
    await t.database.db.insert(messages).values([
      { chatId, userId: owner.id, role: 'user', content: 'old question', createdAt: new Date(base) },
      {
        chatId,
        userId: owner.id,
        role: 'assistant',
        content: 'old answer',
        createdAt: new Date(base + 1000),
      },
    ]);
    const { token } = json<ShareCreated>(await share(owner, chatId));
    const body = json<SharedChat>(await view(token));
    expect(body.messages.map((m) => m.content)).toEqual(['old question', 'old answer']);
  });

  it('stores only the SHA-256 of the token', async () => {
    const { chatId } = await treeChat(owner);
    const { token } = json<ShareCreated>(await share(owner, chatId));
    const [row] = await t.database.db.select().from(chatShares).where(eq(chatShares.chatId, chatId));
    expect(row?.tokenHash).toBe(createHash('sha256').update(token).digest('hex'));
    expect(JSON.stringify(row)).not.toContain(token);
  });

  it('sharing again replaces the link; GET /chats/{id}/share says whether one is live', async () => {
    const { chatId } = await treeChat(owner);
    const none = await t.app.inject({ url: `/v1/chats/${chatId}/share`, headers: owner.headers });
    expect(json<{ shared: boolean }>(none).shared).toBe(false);
    const first = json<ShareCreated>(await share(owner, chatId));
    const second = json<ShareCreated>(await share(owner, chatId, { expires_in_s: 3600 }));
    expect((await view(first.token)).statusCode).toBe(404);
    expect((await view(second.token)).statusCode).toBe(200);
    expect(Date.parse(second.expires_at ?? '')).toBeGreaterThan(Date.now() + 3500_000);
    const status = await t.app.inject({ url: `/v1/chats/${chatId}/share`, headers: owner.headers });
    expect(json<{ shared: boolean; expires_at: string }>(status)).toMatchObject({
      shared: true,
      expires_at: second.expires_at,
    });
  });

  it('an expired link is a 404', async () => {
    const { chatId } = await treeChat(owner);
    const { token } = json<ShareCreated>(await share(owner, chatId, { expires_in_s: 60 }));
    expect((await view(token)).statusCode).toBe(200);
    await t.database.db
      .update(chatShares)
      .set({ expiresAt: new Date(Date.now() - 1000) })
      .where(eq(chatShares.chatId, chatId));
    const gone = await view(token);
    expect(gone.statusCode).toBe(404);
    expect(json<{ error: { code: string } }>(gone).error.code).toBe('not_found');
  });

  it('bad input is a 400 naming the field', async () => {
    const { chatId } = await treeChat(owner);
    for (const [payload, field] of [
      [{ expires_in_s: 5 }, 'expires_in_s'],
      [{ expires_in_s: 'soon' }, 'expires_in_s'],
      [{ unknown: true }, 'unknown'],
    ] as const) {
      const res = await share(owner, chatId, payload);
      expect(res.statusCode, JSON.stringify(payload)).toBe(400);
      expect(res.body).toContain(field);
    }
    const badId = await share(owner, 'not-a-uuid');
    expect(badId.statusCode).toBe(400);
    expect(badId.body).toContain('id');
    const longToken = await view('x'.repeat(201));
    expect(longToken.statusCode).toBe(400);
    expect(longToken.body).toContain('token');
  });

  it('an unknown token is a 404', async () => {
    expect((await view('A'.repeat(43))).statusCode).toBe(404);
  });

  it('needs a token to share, see or revoke (401); another user’s chat is a 404', async () => {
    const { chatId } = await treeChat(owner);
    expect((await share(null, chatId)).statusCode).toBe(401);
    expect((await t.app.inject({ url: `/v1/chats/${chatId}/share` })).statusCode).toBe(401);
    expect((await t.app.inject({ method: 'DELETE', url: `/v1/chats/${chatId}/share` })).statusCode).toBe(401);
    const { token } = json<ShareCreated>(await share(owner, chatId));
    expect((await share(other, chatId)).statusCode).toBe(404);
    expect(
      (await t.app.inject({ url: `/v1/chats/${chatId}/share`, headers: other.headers })).statusCode,
    ).toBe(404);
    const theirs = await t.app.inject({
      method: 'DELETE',
      url: `/v1/chats/${chatId}/share`,
      headers: other.headers,
    });
    expect(theirs.statusCode).toBe(404);
    expect((await view(token)).statusCode).toBe(200);
  });
});

describe('DELETE /v1/chats/{id}/share', () => {
  it('revokes the link at once; a second revoke is a 404', async () => {
    const { chatId } = await treeChat(owner);
    const { token } = json<ShareCreated>(await share(owner, chatId));
    const del = () =>
      t.app.inject({ method: 'DELETE', url: `/v1/chats/${chatId}/share`, headers: owner.headers });
    expect((await del()).statusCode).toBe(204);
    expect((await view(token)).statusCode).toBe(404);
    expect((await del()).statusCode).toBe(404);
  });

  it('deleting the chat ends its link', async () => {
    const { chatId } = await treeChat(owner);
    const { token } = json<ShareCreated>(await share(owner, chatId));
    await t.app.inject({ method: 'DELETE', url: `/v1/chats/${chatId}`, headers: owner.headers });
    expect((await view(token)).statusCode).toBe(404);
  });
});

describe('GET /v1/shared/{token} rate limit', () => {
  it('is limited per IP', async () => {
    const limited = await buildTestApp({ env: { RATE_LIMIT_SHARED_PER_MIN: '3' } });
    try {
      const codes: number[] = [];
      for (let i = 0; i < 4; i++)
        codes.push((await limited.app.inject({ url: `/v1/shared/${'B'.repeat(43)}` })).statusCode);
      expect(codes).toEqual([404, 404, 404, 429]);
    } finally {
      await limited.close();
    }
  });
});
