import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeServer, startFakeAnthropic, startFakeOpenAI } from '../../../test/fakes/index.js';
import { buildTestApp, type TestApp } from '../../../test/helpers/build-test-app.js';
import { registerUser, type TestUser } from '../../../test/helpers/factories.js';
import { activate, createKey, keyHeaders } from '../../../test/helpers/openai-gateway.js';

// The exact bytes of the streams, read as raw HTTP.
let t: TestApp;
let oa: FakeServer;
let an: FakeServer;
let alice: TestUser;
let key: string;

beforeAll(async () => {
  oa = await startFakeOpenAI({ reply: 'One two three', chunks: 3, apiKey: 'sk-openai-test-key' });
  an = await startFakeAnthropic({ reply: 'One two three', chunks: 3, apiKey: 'sk-ant-test-key' });
  t = await buildTestApp();
  alice = await registerUser(t.app);
  await activate(t.app, alice, 'openai', oa.url, 'sk-openai-test-key');
  await activate(t.app, alice, 'anthropic', an.url, 'sk-ant-test-key');
  key = (await createKey(t.app, alice)).key;
});
afterAll(async () => {
  await t.close();
  await Promise.all([oa.close(), an.close()]);
});

const stream = (model: string, extra: Record<string, unknown> = {}) =>
  t.app.inject({
    method: 'POST',
    url: '/openai/v1/chat/completions',
    headers: { ...keyHeaders(key), 'x-pocketllm-cache': 'bypass' },
    payload: { model, messages: [{ role: 'user', content: 'count' }], stream: true, ...extra },
  });

/** What the fake itself streams for the same request (the pass-through must not change a byte of it). */
async function direct(includeUsage: boolean): Promise<string> {
  const res = await request(`${oa.url}/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: 'Bearer sk-openai-test-key' },
    body: JSON.stringify({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'count' }],
      stream: true,
      stream_options: { include_usage: includeUsage },
    }),
  });
  return res.body.text();
}

describe('SSE bytes', () => {
  it('an OpenAI-compatible stream is passed through byte for byte, usage chunk included when asked', async () => {
    const res = await stream('openai/gpt-4o-mini', { stream_options: { include_usage: true } });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/event-stream; charset=utf-8');
    expect(res.body).toBe(await direct(true));
    expect(res.body.endsWith('\n\ndata: [DONE]\n\n')).toBe(true);
  });

  it('without include_usage the usage chunk asked for on the client’s behalf is held back', async () => {
    oa.reset();
    const res = await stream('openai/gpt-4o-mini');
    const sent = oa.requestsTo('chat')[0]?.body;
    expect(res.body).toBe(await direct(false));
    expect(res.body).not.toContain('"usage"');
    // …but the upstream call asked for usage, so the request log has the tokens.
    expect(sent).toMatchObject({ stream_options: { include_usage: true } });
  });

  it('Anthropic answers in exactly OpenAI’s chunk format', async () => {
    const res = await stream('anthropic/claude-sonnet-4-5', { stream_options: { include_usage: true } });
    const events = res.body.split('\n\n');
    expect(events.pop()).toBe('');
    expect(events.at(-1)).toBe('data: [DONE]');
    const chunks = events.slice(0, -1).map((e) => {
      expect(e.startsWith('data: {')).toBe(true);
      return JSON.parse(e.slice(6)) as Record<string, unknown>;
    });
    const [first] = chunks;
    expect(first).toMatchObject({ object: 'chat.completion.chunk', model: 'anthropic/claude-sonnet-4-5' });
    expect(String(first?.id)).toMatch(/^chatcmpl-/);
    const shapes = chunks.map((c) => ({ ...c, id: 'ID', created: 0 }));
    const head = {
      id: 'ID',
      object: 'chat.completion.chunk',
      created: 0,
      model: 'anthropic/claude-sonnet-4-5',
    };
    const choice = (delta: object, finish: string | null) => ({
      ...head,
      choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
    });
    expect(shapes).toEqual([
      choice({ role: 'assistant', content: '' }, null),
      ...['One t', 'wo th', 'ree'].map((p) => choice({ content: p }, null)),
      choice({}, 'stop'),
      { ...head, choices: [], usage: expect.objectContaining({ total_tokens: expect.any(Number) }) },
    ]);
  });

  it('a provider failing before the first byte is an error response, not a broken stream', async () => {
    oa.setBehavior({ kind: 'http_error', status: 503, only: ['chat'] });
    const res = await stream('openai/gpt-4o-mini');
    oa.reset();
    expect(res.statusCode).toBe(502);
    expect(JSON.parse(res.body)).toMatchObject({ error: { type: 'server_error', code: 'upstream' } });
  });

  it('a stream cut mid-way ends with OpenAI’s in-stream error event', async () => {
    oa.setBehavior('drop_mid_stream');
    const res = await stream('openai/gpt-4o-mini');
    oa.reset();
    expect(res.statusCode).toBe(200);
    const last = res.body.trim().split('\n\n').at(-1) ?? '';
    expect(JSON.parse(last.slice(6))).toMatchObject({
      error: { type: 'server_error', code: 'provider_error' },
    });
  });
});
