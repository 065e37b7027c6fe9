import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { MessageMetadata } from '@pocketllm/contracts';
import { openDatabase } from '../../server/src/db/client.js';
import { runMigrations } from '../../server/src/db/migrate.js';
import { chats, users } from '../../server/src/db/schema/index.js';
import { finishAnswer, insertTurn, loadSendState } from '../../server/src/features/chats/send.repository.js';

// `node --import tsx bench/src/send-statements.bench.ts`: the statements of one non-streaming send (read the
// chat and its history, store both messages, write the answer), run in this process against PGlite (or
// BENCH_DATABASE_URL), without HTTP or a provider. It prints the CPU per send, which a loaded machine
// disturbs far less than latency. BENCH_SENDS sets how many sends (default 400).

const N = Number(process.env.BENCH_SENDS ?? 400);
const dir = mkdtempSync(path.join(tmpdir(), 'pocketllm-stmt-'));
const database = await openDatabase({ dataDir: dir, databaseUrl: process.env.BENCH_DATABASE_URL });
await runMigrations(database);
const { db } = database;
const [user] = await db
  .insert(users)
  .values({ email: `stmt-${Date.now()}@example.com`, passwordHash: 'x' })
  .returning();
if (!user) throw new Error('no user');
const chatIds: string[] = [];
for (let i = 0; i < 64; i++) {
  const [chat] = await db.insert(chats).values({ userId: user.id }).returning();
  if (chat) chatIds.push(chat.id);
}
const metadata = { model: 'bench-model' } as MessageMetadata;
const ms = { state: 0, insert: 0, finish: 0 };
const cpu0 = process.cpuUsage();
for (let i = 0; i < N; i++) {
  const chatId = chatIds[i % chatIds.length] as string;
  let t0 = performance.now();
  const state = await loadSendState(db, user.id, chatId);
  if (!state) throw new Error('no chat');
  ms.state += performance.now() - t0;
  t0 = performance.now();
  const turn = await insertTurn(db, {
    chatId,
    userId: user.id,
    prompt: `hello bench ${i}`,
    parentId: state.parentId,
    title: state.chat.title ? null : 'hello',
    answer: { status: 'streaming', content: '', metadata, writerId: null },
  });
  ms.insert += performance.now() - t0;
  t0 = performance.now();
  await finishAnswer(db, turn.assistant.id, {
    content: 'Hello from the mock.',
    status: 'completed',
    metadata,
  });
  ms.finish += performance.now() - t0;
}
const cpu = process.cpuUsage(cpu0);
const r2 = (x: number) => Math.round(x * 100) / 100;
console.log(
  JSON.stringify({
    engine: database.kind,
    sends: N,
    ms_per_send: { state: r2(ms.state / N), insert: r2(ms.insert / N), finish: r2(ms.finish / N) },
    cpu_ms_per_send: r2((cpu.user + cpu.system) / 1000 / N),
  }),
);
await database.close();
rmSync(dir, { recursive: true, force: true });
