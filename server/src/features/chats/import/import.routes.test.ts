import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import type { ImportProgress } from '@pocketllm/contracts';
import { and, eq, isNotNull } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, json, type TestApp } from '../../../../test/helpers/build-test-app.js';
import { insertChat } from '../../../../test/helpers/chat-rows.js';
import { chatgptConversation, chatgptExport } from '../../../../test/helpers/chatgpt-export.js';
import { registerUser, type TestUser } from '../../../../test/helpers/factories.js';
import { multipartBody } from '../../../../test/helpers/multipart.js';
import { chats, messages } from '../../../db/schema/index.js';
import { chatListJson } from '../reads.repository.js';
import { currentPath } from '../tree.repository.js';

interface JobBody {
  id: string;
  status: string;
  output_data: ImportProgress | null;
  error_log: string | null;
}

let t: TestApp;
let owner: TestUser;
let other: TestUser;

beforeAll(async () => {
  t = await buildTestApp({
    startLifecycle: true,
    env: { JOB_POLL_INTERVAL_MS: '50', JOB_MAX_ATTEMPTS: '1' },
  });
  owner = await registerUser(t.app);
  other = await registerUser(t.app);
});
afterAll(() => t.close());

const upload = (user: TestUser | null, content: Buffer | string, filename = 'conversations.json') => {
  const body = multipartBody([{ name: 'file', filename, content: Buffer.from(content) }]);
  return t.app.inject({
    method: 'POST',
    url: '/v1/chats/import',
    headers: { ...body.headers, ...(user?.headers ?? {}) },
    payload: body.payload,
  });
};

async function settle(user: TestUser, jobId: string): Promise<JobBody> {
  for (let i = 0; i < 30; i++) {
    const res = await t.app.inject({ url: `/v1/jobs/${jobId}?wait=10`, headers: user.headers });
    expect(res.statusCode).toBe(200);
    const job = json<JobBody>(res);
    if (['completed', 'failed', 'cancelled'].includes(job.status)) return job;
  }
  throw new Error('the import never finished');
}

async function importFile(user: TestUser, content: Buffer | string): Promise<JobBody> {
  const res = await upload(user, content);
  expect(res.statusCode, res.body).toBe(202);
  return settle(user, json<{ job_id: string }>(res).job_id);
}

const importedChats = (user: TestUser) =>
  t.database.db
    .select()
    .from(chats)
    .where(and(eq(chats.userId, user.id), isNotNull(chats.importSourceId)));

function uploadsLeft(): string[] {
  const dir = path.join(t.config.filesDir, 'private', 'imports');
  return existsSync(dir)
    ? readdirSync(dir, { recursive: true })
        .map(String)
        .filter((f) => f.endsWith('.json'))
    : [];
}

describe('POST /v1/chats/import (ChatGPT)', () => {
  const convs = [
    chatgptConversation({
      seed: 11,
      turns: 3,
      branches: true,
      toolCall: true,
      picture: true,
      title: 'Branchy',
    }),
    chatgptConversation({ seed: 12, turns: 2, title: 'Plain' }),
    chatgptConversation({ seed: 13, turns: 5, branches: true, title: 'Long' }),
  ];
  const file = chatgptExport(convs);

  it('imports the mapping tree: titles, times, branches, the current node', async () => {
    const job = await importFile(owner, file);
    expect(job.status, job.error_log ?? '').toBe('completed');
    const total = convs.reduce((n, c) => n + c.visibleMessages, 0);
    expect(job.output_data).toMatchObject({
      format: 'chatgpt',
      conversations: 3,
      imported: 3,
      skipped: 0,
      messages: total,
      percent: 100,
    });
    const rows = await importedChats(owner);
    expect(rows.map((r) => r.title).sort()).toEqual(['Branchy', 'Long', 'Plain']);
    for (const c of convs) {
      const row = rows.find((r) => r.title === c.conversation.title);
      if (!row?.currentLeafId) throw new Error('no leaf');
      expect(row.createdAt.getTime()).toBe(Math.round((c.conversation.create_time as number) * 1000));
      expect(row.messageCount).toBe(c.visibleMessages);
      const shown = await currentPath(t.database.db, owner.id, row.id);
      expect(shown.map(({ row: m }) => ({ role: m.role, content: m.content }))).toEqual(c.currentPath);
    }
    // The edited prompt and the regenerated answer are siblings of the ones on the current branch.
    const branchy = rows.find((r) => r.title === 'Branchy');
    const all = await t.database.db
      .select()
      .from(messages)
      .where(eq(messages.chatId, branchy?.id ?? ''));
    const byParent = new Map<string | null, number>();
    for (const m of all) byParent.set(m.parentId, (byParent.get(m.parentId) ?? 0) + 1);
    expect([...byParent.values()].filter((n) => n === 2)).toHaveLength(2);
    expect(all.filter((m) => m.parentId === null)).toHaveLength(1);
    // Tool calls, their output and the hidden system message are not part of the conversation shown.
    expect(all.some((m) => m.content.includes('print(1)'))).toBe(false);
    expect(all.find((m) => m.content.startsWith('[image]'))?.role).toBe('user');
    expect(all.filter((m) => m.role === 'assistant').every((m) => m.metadata.provider === 'chatgpt')).toBe(
      true,
    );
    expect(uploadsLeft()).toEqual([]);
  });

  it('importing the same file again adds nothing', async () => {
    const before = (await importedChats(owner)).length;
    const job = await importFile(owner, file);
    expect(job.status).toBe('completed');
    expect(job.output_data).toMatchObject({ conversations: 3, imported: 0, skipped: 3, messages: 0 });
    expect(await importedChats(owner)).toHaveLength(before);
  });

  it('another user importing the same file gets their own chats; the job is theirs alone', async () => {
    const res = await upload(other, file);
    const jobId = json<{ job_id: string }>(res).job_id;
    expect((await t.app.inject({ url: `/v1/jobs/${jobId}`, headers: owner.headers })).statusCode).toBe(404);
    const job = await settle(other, jobId);
    expect(job.output_data).toMatchObject({ imported: 3, skipped: 0 });
    expect(await importedChats(other)).toHaveLength(3);
  });
});

describe('POST /v1/chats/import (PocketLLM export)', () => {
  it("imports our own export's chats with their messages in order", async () => {
    const source = await registerUser(t.app);
    const { chat } = await insertChat(
      t.database.db,
      source.id,
      [
        { role: 'user', content: 'hello there' },
        { role: 'assistant', content: 'general kenobi', metadata: { provider: 'openai', model: 'gpt-x' } },
        { role: 'user', content: 'and then?' },
      ],
      'Exported chat',
    );
    const exported = await t.app.inject({ url: '/v1/users/me/export', headers: source.headers });
    expect(exported.statusCode).toBe(200);
    const target = await registerUser(t.app);
    const job = await importFile(target, exported.body);
    expect(job.status, job.error_log ?? '').toBe('completed');
    expect(job.output_data).toMatchObject({ format: 'pocketllm', imported: 1, messages: 3 });
    const [row] = await importedChats(target);
    expect(row?.title).toBe('Exported chat');
    expect(row?.importSourceId).toBe(`pocketllm:${chat.id}`);
    const shown = await currentPath(t.database.db, target.id, row?.id ?? '');
    expect(shown.map(({ row: m }) => [m.role, m.content, m.metadata.model ?? null])).toEqual([
      ['user', 'hello there', null],
      ['assistant', 'general kenobi', 'gpt-x'],
      ['user', 'and then?', null],
    ]);
    const again = await importFile(target, exported.body);
    expect(again.output_data).toMatchObject({ imported: 0, skipped: 1 });
  });
});

describe('an import and the read cache', () => {
  it('shows in the next chat list, though the list was kept from before (one transaction writes the chat)', async () => {
    const user = await registerUser(t.app);
    const list = () => t.app.inject({ url: '/v1/chats?limit=50', headers: user.headers });
    expect(json<{ chats: unknown[] }>(await list()).chats).toEqual([]);
    const job = await importFile(
      user,
      chatgptExport([chatgptConversation({ seed: 31, turns: 2, title: 'Kept' })]),
    );
    expect(job.status, job.error_log ?? '').toBe('completed');
    const after = await list();
    expect(json<{ chats: { title: string }[] }>(after).chats.map((c) => c.title)).toEqual(['Kept']);
    expect(after.body).toBe((await chatListJson(t.database.db, user.id, 50)).json);
  });
});

describe('a malformed file fails the job with the reason', () => {
  it('cut-short JSON, a foreign object, a conversation without a mapping', async () => {
    const good = chatgptConversation({ seed: 21, turns: 2, title: 'Before the break' });
    const cases: [string, RegExp][] = [
      [chatgptExport([good]).slice(0, -40), /not valid JSON/],
      ['{"hello": "world"}', /neither a ChatGPT conversations.json/],
      [`[${JSON.stringify(good.conversation)}, {"title": "no mapping"}]`, /conversation 2 .*mapping/],
      ['   ', /empty/],
    ];
    for (const [content, reason] of cases) {
      const job = await importFile(owner, content);
      expect(job.status, content.slice(0, 40)).toBe('failed');
      expect(job.error_log).toMatch(reason);
    }
    // The conversation before the bad one is whole; the bad one added nothing.
    const rows = (await importedChats(owner)).filter((r) => r.title === 'Before the break');
    expect(rows).toHaveLength(1);
    const count = await t.database.db
      .select()
      .from(messages)
      .where(eq(messages.chatId, rows[0]?.id ?? ''));
    expect(count).toHaveLength(good.visibleMessages);
    expect((await importedChats(owner)).some((r) => r.title === 'no mapping')).toBe(false);
    expect(uploadsLeft()).toEqual([]);
  });
});

describe('POST /v1/chats/import input', () => {
  it('401 without a token', async () => {
    expect((await upload(null, '[]')).statusCode).toBe(401);
  });

  it('400 naming file: not multipart, no file part, an empty file, a cut-short body', async () => {
    const notMultipart = await t.app.inject({
      method: 'POST',
      url: '/v1/chats/import',
      headers: owner.headers,
      payload: { file: 'x' },
    });
    expect(notMultipart.statusCode).toBe(400);
    expect(notMultipart.body).toContain('file');
    const noFile = multipartBody([{ name: 'other', value: 'x' }]);
    const res = await t.app.inject({
      method: 'POST',
      url: '/v1/chats/import',
      headers: { ...noFile.headers, ...owner.headers },
      payload: noFile.payload,
    });
    expect(res.statusCode).toBe(400);
    expect(res.body).toContain('file');
    const empty = await upload(owner, '');
    expect(empty.statusCode).toBe(400);
    expect(empty.body).toContain('file');
    const cut = multipartBody([{ name: 'file', filename: 'c.json', content: Buffer.from('[1,2,3]') }]);
    const short = await t.app.inject({
      method: 'POST',
      url: '/v1/chats/import',
      headers: { ...cut.headers, ...owner.headers },
      payload: cut.payload.subarray(0, cut.payload.length - 20),
    });
    expect(short.statusCode).toBe(400);
    expect(uploadsLeft()).toEqual([]);
  });

  it('413 past MAX_IMPORT_MB', async () => {
    const small = await buildTestApp({ env: { MAX_IMPORT_MB: '0.01' } });
    try {
      const user = await registerUser(small.app);
      const body = multipartBody([{ name: 'file', filename: 'big.json', content: Buffer.alloc(20_000, 32) }]);
      const res = await small.app.inject({
        method: 'POST',
        url: '/v1/chats/import',
        headers: { ...body.headers, ...user.headers },
        payload: body.payload,
      });
      expect(res.statusCode).toBe(413);
    } finally {
      await small.close();
    }
  });
});
