import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeServer, startFakeOpenAI } from '../../../../test/fakes/index.js';
import { insertChat } from '../../../../test/helpers/chat-rows.js';
import { createTestDatabase } from '../../../../test/helpers/test-db.js';
import type { Database } from '../../../db/client.js';
import { users } from '../../../db/schema/index.js';
import { createMemoryBus } from '../../../lib/event-bus.js';
import { createLlmProvider } from '../../../llm/factory.js';
import { createLogger } from '../../../plugins/logger.js';
import type { RequestLogEntry } from '../../telemetry/telemetry.service.js';
import { createGenerationRegistry, type GenerationOutcome } from '../generation.js';
import { buildSendContext } from './build-context.js';
import { startGeneration } from './generate.js';
import { persistTurn } from './persist.js';
import { answerToRemember, recordOutcome } from './record.js';
import type { ResolvedModel } from './resolve-target.js';

const resolved = (over: Partial<ResolvedModel> = {}): ResolvedModel => ({
  target: {
    provider: 'openai',
    adapter: 'openai-compatible',
    baseUrl: 'http://127.0.0.1:1/v1',
    apiKey: 'sk-x',
  },
  model: 'gpt-test',
  params: { temperature: 0.2 },
  systemPrompt: null,
  modelConfigId: null,
  ...over,
});
const history = [
  { role: 'user' as const, content: 'first question', status: 'completed' },
  { role: 'assistant' as const, content: 'a failed answer', status: 'failed' },
  { role: 'assistant' as const, content: 'first answer', status: 'completed' },
];

describe('build context (send step 2)', () => {
  it('sends the system prompt, the usable history and the prompt; states the target in the metadata', () => {
    const ctx = buildSendContext({
      resolved: resolved({
        systemPrompt: 'Be brief',
        target: {
          provider: 'local',
          adapter: 'ollama',
          baseUrl: 'http://127.0.0.1:1',
          apiKey: null,
          localEndpointId: 'ep1',
        },
        failover: { from: 'a', to: 'b', reason: 'down' },
      }),
      history,
      prompt: 'next',
    });
    expect(ctx.messages).toEqual([
      { role: 'system', content: 'Be brief' },
      { role: 'user', content: 'first question' },
      { role: 'assistant', content: 'first answer' },
      { role: 'user', content: 'next' },
    ]);
    expect(ctx.metadata).toEqual({
      provider: 'local',
      model: 'gpt-test',
      local_model_id: 'ep1',
      failover: { from: 'a', to: 'b', reason: 'down' },
    });
    expect(ctx.contextFor([])).toEqual([
      { role: 'system', content: 'Be brief' },
      { role: 'user', content: 'next' },
    ]);
  });

  it('keeps the newest turns that fit beside the room left for the answer', () => {
    const long = Array.from({ length: 40 }, (_, i) => ({
      role: 'user' as const,
      content: `${i} ${'x'.repeat(2000)}`,
      status: 'completed',
    }));
    const ctx = buildSendContext({
      resolved: resolved({ params: { max_tokens: 4096 } }),
      history: long,
      prompt: 'p',
    });
    expect(ctx.messages.length).toBeLessThan(long.length);
    expect(ctx.messages.at(-2)?.content.startsWith('39 ')).toBe(true);
  });
});

const outcome = (over: Partial<GenerationOutcome> = {}): GenerationOutcome => ({
  message: {
    id: '00000000-0000-4000-8000-000000000001',
    chat_id: '00000000-0000-4000-8000-000000000002',
    parent_id: null,
    role: 'assistant',
    content: 'Hi',
    status: 'completed',
    metadata: { finish_reason: 'stop' },
    rating: null,
    pinned: false,
    attachments: [],
    created_at: new Date(0).toISOString(),
    updated_at: new Date(0).toISOString(),
  },
  status: 'completed',
  latencyMs: 12,
  ttftMs: 3,
  tokensIn: 5,
  tokensOut: 1,
  ...over,
});

describe('record (send step 6)', () => {
  it('writes one request-log entry per send, and feeds endpoint health only with its own faults', () => {
    const entries: RequestLogEntry[] = [];
    const health: [string, boolean][] = [];
    const sinks = {
      telemetry: { record: (e: RequestLogEntry) => void entries.push(e) },
      endpointHealth: { recordResult: (id: string, ok: boolean) => void health.push([id, ok]) },
    };
    const local = resolved({
      target: {
        provider: 'local',
        adapter: 'ollama',
        baseUrl: 'http://x',
        apiKey: null,
        localEndpointId: 'ep',
      },
    });
    const send = { userId: 'u', chatId: 'c', resolved: local, cacheHit: false };
    recordOutcome(sinks, send, outcome());
    const failed = { status: 'failed' as const, error: { code: 'provider_error', message: 'no' } };
    recordOutcome(sinks, send, outcome({ ...failed, errorKind: 'bad_request' }));
    recordOutcome(sinks, send, outcome({ ...failed, errorKind: 'unreachable' }));
    recordOutcome(sinks, { ...send, resolved: resolved(), cacheHit: true }, outcome({ status: 'aborted' }));
    expect(entries.map((e) => [e.status, e.errorCode, e.cacheHit, e.localEndpointId])).toEqual([
      ['ok', undefined, false, 'ep'],
      ['error', 'provider_error', false, 'ep'],
      ['error', 'provider_error', false, 'ep'],
      ['aborted', undefined, true, undefined],
    ]);
    expect(entries[0]).toMatchObject({
      userId: 'u',
      chatId: 'c',
      model: 'gpt-test',
      latencyMs: 12,
      ttftMs: 3,
    });
    expect(health).toEqual([
      ['ep', true],
      ['ep', false],
    ]);
  });

  it('remembers only whole answers', () => {
    expect(answerToRemember(outcome())).toMatchObject({ content: 'Hi', tokensIn: 5, finishReason: 'stop' });
    const cut = outcome();
    cut.message.metadata = { finish_reason: 'length' };
    expect(answerToRemember(cut)).toBeNull();
    expect(answerToRemember(outcome({ status: 'aborted' }))).toBeNull();
  });
});

describe('generate (send step 5)', () => {
  let database: Database;
  let fake: FakeServer;
  let userId: string;
  beforeAll(async () => {
    database = await createTestDatabase();
    fake = await startFakeOpenAI({ reply: 'Generated answer.', chunks: 3 });
    const [u] = await database.db
      .insert(users)
      .values({ email: 'g@example.com', passwordHash: 'x' })
      .returning();
    userId = u?.id ?? '';
  });
  afterAll(async () => {
    await fake.close();
    await database.close();
  });

  it('writes the answer into its stored row with the request the context step built', async () => {
    const sink = new Writable({ write: (_c, _e, cb) => cb() });
    const registry = createGenerationRegistry({
      db: database.db,
      bus: createMemoryBus(),
      logger: createLogger('warn', sink),
      heartbeatMs: 5000,
      legacyAfterMs: 90_000,
    });
    const { chat } = await insertChat(database.db, userId, []);
    const r = resolved({ target: { ...resolved().target, baseUrl: fake.url } });
    const ctx = buildSendContext({ resolved: r, history: [], prompt: 'Say something' });
    const turn = await persistTurn(database.db, {
      parentId: null,
      chatId: chat.id,
      userId,
      chatTitle: chat.title,
      prompt: 'Say something',
      answer: { status: 'streaming', content: '', metadata: ctx.metadata },
    });
    const finished: GenerationOutcome[] = [];
    const timeouts = { connectTimeoutMs: 2000, firstTokenTimeoutMs: 2000, idleTimeoutMs: 2000 };
    const gen = startGeneration(
      { registry, createProvider: (t, to) => createLlmProvider(t, to), timeouts },
      {
        row: turn.assistantRow,
        resolved: r,
        messages: ctx.messages,
        metadata: ctx.metadata,
        onFinished: (o) => void finished.push(o),
      },
    );
    const done = await gen.done;
    expect(done.message).toMatchObject({
      id: turn.assistantRow.id,
      content: 'Generated answer.',
      status: 'completed',
      metadata: { provider: 'openai', model: 'gpt-test', finish_reason: 'stop' },
    });
    expect(finished).toHaveLength(1);
    const sent = fake.requestsTo('chat')[0]?.body;
    expect(sent).toMatchObject({ model: 'gpt-test', messages: [{ role: 'user', content: 'Say something' }] });
  });
});
