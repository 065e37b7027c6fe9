import { prettyFactory } from 'pino-pretty';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeServer, startFakeOpenAI } from '../../test/fakes/index.js';
import { buildTestApp, json, type TestApp } from '../../test/helpers/build-test-app.js';
import { activateOpenAI, registerUser, type TestUser } from '../../test/helpers/factories.js';
import { PRETTY_OPTIONS } from './logger.js';

let t: TestApp;
let fake: FakeServer;
let alice: TestUser;

beforeAll(async () => {
  fake = await startFakeOpenAI({ behavior: { kind: 'http_error', status: 500 } });
  t = await buildTestApp();
  alice = await registerUser(t.app);
  await activateOpenAI(t.app, alice, fake.url, 'sk-logging-test-0123456789');
});
afterAll(async () => {
  await t.close();
  await fake.close();
});

const lines = () =>
  t.logs
    .join('')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>);

describe('request log context', () => {
  it('puts request id, user id and chat id on every line of a request, services included', async () => {
    const chatId = json<{ id: string }>(
      await t.app.inject({ method: 'POST', url: '/v1/chats', headers: alice.headers, payload: {} }),
    ).id;
    const res = await t.app.inject({
      method: 'POST',
      url: `/v1/chats/${chatId}/messages`,
      headers: { ...alice.headers, 'x-request-id': 'req-logging-1' },
      payload: { provider: 'openai', model: 'gpt-test', content: 'hello' },
    });
    expect(res.headers['x-request-id']).toBe('req-logging-1');
    await new Promise((r) => setTimeout(r, 50));
    const mine = lines().filter((l) => l.request_id === 'req-logging-1');
    // The provider failure is logged by the generation registry through the root logger, not request.log.
    expect(mine.map((l) => l.msg)).toEqual(expect.arrayContaining(['generation failed', 'request']));
    for (const line of mine) expect(line).toMatchObject({ user_id: alice.id, chat_id: chatId });
    // One key per field: the child logger no longer binds request_id beside the mixin.
    const raw = t.logs
      .join('')
      .split('\n')
      .filter((l) => l.includes('req-logging-1'));
    for (const l of raw) expect(l.match(/"request_id"/g)).toHaveLength(1);
  });

  it('keeps lines of other requests apart', async () => {
    await t.app.inject({ method: 'GET', url: '/v1/auth/me', headers: { 'x-request-id': 'req-anon-2' } });
    const line = lines().find((l) => l.request_id === 'req-anon-2' && l.msg === 'request');
    expect(line).toBeDefined();
    expect(line?.user_id).toBeUndefined();
    expect(line?.chat_id).toBeUndefined();
  });
});

describe('pretty lines for a terminal', () => {
  it('prints time, level, message and fields; passes non-JSON through', () => {
    const plain = prettyFactory({ ...PRETTY_OPTIONS, colorize: false });
    const line = plain(
      JSON.stringify({
        level: 40,
        time: '2026-01-02T03:04:05.678Z',
        service: 'pocketllm',
        msg: 'generation failed',
        request_id: 'abc',
        reason: 'upstream said no',
      }),
    );
    // One line: time (UTC), level, message, the line's own fields; not the service every line carries.
    expect(line).toBe(
      '[03:04:05.678] WARN: generation failed {"request_id":"abc","reason":"upstream said no"}\n',
    );
    expect(plain('plain text')).toBe('plain text\n');
    const err = prettyFactory({ ...PRETTY_OPTIONS, colorize: true })(
      JSON.stringify({ level: 50, msg: 'boom', err: { stack: 'Error: x\n    at y' } }),
    );
    expect(err).toContain('\x1b[31mERROR');
    expect(err).toMatch(/\n\s+Error: x\n\s+at y/);
  });
});
