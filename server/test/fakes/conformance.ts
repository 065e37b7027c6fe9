/**
 * The behaviour every HTTP adapter must share, run against its own fake: streaming, usage, keys,
 * every fault ending in the right ProviderError kind within the timeouts, and aborts.
 */
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { type LlmProvider, ProviderError, type ProviderTimeouts } from '../../src/llm/types.js';
import { collectChat } from './collect.js';
import type { FakeOptions, FakeServer } from './common.js';

export interface ConformanceSubject {
  name: string;
  start(o?: FakeOptions): Promise<FakeServer>;
  make(baseUrl: string, apiKey: string | null, timeouts: ProviderTimeouts): LlmProvider;
  /** The header that must carry the key, and its expected value. */
  keyHeader: string;
  keyValue(key: string): string;
  model: string;
  /** The wire finish reason meaning "hit max tokens". */
  lengthWire: string;
  embeddingModel?: string;
}

/** Small timeouts for the fault tests. */
export const TEST_TIMEOUTS: ProviderTimeouts = {
  connectTimeoutMs: 300,
  firstTokenTimeoutMs: 300,
  idleTimeoutMs: 200,
};
/** Roomy timeouts for everything else, so a loaded CI machine does not turn a happy path into a timeout. */
export const RELAXED_TIMEOUTS: ProviderTimeouts = {
  connectTimeoutMs: 5000,
  firstTokenTimeoutMs: 5000,
  idleTimeoutMs: 5000,
};
const KEY = 'sk-test-SECRET-key-0123456789';
const messages = [
  { role: 'system' as const, content: 'Be brief.' },
  { role: 'user' as const, content: 'Say hello' },
];

async function providerError(p: Promise<unknown>): Promise<ProviderError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof ProviderError)) throw new Error(`expected a ProviderError, got ${String(err)}`);
  return err;
}

export function runProviderConformance(s: ConformanceSubject) {
  describe(`${s.name} adapter against its fake`, () => {
    let fake: FakeServer;
    let provider: LlmProvider;
    const ready = s.start({
      reply: 'The quick brown fox jumps.',
      chunks: 5,
      usage: { input: 11, output: 7 },
    });

    beforeEach(async () => {
      fake = await ready;
      fake.reset();
      provider = s.make(fake.url, KEY, RELAXED_TIMEOUTS);
    });
    const strict = () => {
      provider = s.make(fake.url, KEY, TEST_TIMEOUTS);
    };
    afterAll(async () => (await ready).close());

    const chat = (signal?: AbortSignal) =>
      collectChat(provider.streamChat({ model: s.model, messages, signal }));

    it('streams the reply in chunks, then usage and finish reason', async () => {
      const r = await chat();
      expect(r.error).toBeUndefined();
      expect(r.text).toBe('The quick brown fox jumps.');
      expect(r.deltas).toHaveLength(5);
      expect(r.done).toEqual({ type: 'done', finishReason: 'stop', usage: { tokensIn: 11, tokensOut: 7 } });
    });

    it('maps the wire "max tokens" reason to length', async () => {
      fake.configure({ finishReason: s.lengthWire });
      expect((await chat()).done?.finishReason).toBe('length');
    });

    it('sends the key in its header only, and nowhere else', async () => {
      await chat();
      const req = fake.requestsTo('chat')[0];
      expect(req?.headers[s.keyHeader]).toBe(s.keyValue(KEY));
      const elsewhere = Object.entries(req?.headers ?? {}).filter(
        ([h, v]) => h !== s.keyHeader && String(v).includes(KEY),
      );
      expect(elsewhere).toEqual([]);
      expect(JSON.stringify(req?.body)).not.toContain(KEY);
    });

    it('sends no key header when there is no key', async () => {
      provider = s.make(fake.url, null, RELAXED_TIMEOUTS);
      await chat();
      expect(fake.requestsTo('chat')[0]?.headers[s.keyHeader]).toBeUndefined();
    });

    it('a refused key is an auth error', async () => {
      fake.configure({ apiKey: 'the-right-key' });
      const r = await chat();
      expect(r.error).toBeInstanceOf(ProviderError);
      expect(r.error).toMatchObject({ kind: 'auth', status: 401 });
    });

    it.each([
      [500, 'upstream'],
      [401, 'auth'],
      [403, 'auth'],
      [429, 'rate_limited'],
      [404, 'bad_request'],
    ])('HTTP %i becomes %s', async (status, kind) => {
      fake.setBehavior({ kind: 'http_error', status });
      const r = await chat();
      expect(r.error).toMatchObject({ kind, status });
      expect(r.deltas).toEqual([]);
    });

    it('an upstream message echoing the key is masked', async () => {
      fake.setBehavior({
        kind: 'http_error',
        status: 401,
        body: { error: { message: `Incorrect API key: ${KEY}` } },
      });
      const r = await chat();
      expect(r.error).toBeInstanceOf(ProviderError);
      expect(String(r.error)).toContain('Incorrect API key');
      expect(String(r.error)).not.toContain(KEY);
      expect(String(r.error)).not.toContain('SECRET');
    });

    it.each([
      ['hang', 0],
      ['hang_after_first_chunk', 1],
    ] as const)('%s ends in a timeout, not a hang', async (behavior, deltas) => {
      strict();
      fake.setBehavior(behavior);
      const t0 = performance.now();
      const r = await chat();
      expect(r.error).toMatchObject({ kind: 'timeout' });
      expect(r.deltas).toHaveLength(deltas);
      expect(performance.now() - t0).toBeLessThan(3000);
    });

    it('a connection dropped mid-stream is an upstream error after the first delta', async () => {
      fake.setBehavior('drop_mid_stream');
      const r = await chat();
      expect(r.deltas).toHaveLength(1);
      expect(r.done).toBeUndefined();
      expect(r.error).toBeInstanceOf(ProviderError);
      expect(['upstream', 'unreachable']).toContain(r.error instanceof ProviderError ? r.error.kind : '');
    });

    it('a stream that ends cleanly but early is an upstream error, never a silent stop', async () => {
      fake.setBehavior('end_early');
      const r = await chat();
      expect(r.deltas).toHaveLength(1);
      expect(r.done).toBeUndefined();
      expect(r.error).toMatchObject({ kind: 'upstream' });
    });

    it('a malformed chunk is a malformed error', async () => {
      fake.setBehavior('malformed');
      const r = await chat();
      expect(r.deltas).toHaveLength(1);
      expect(r.error).toMatchObject({ kind: 'malformed' });
    });

    it("the provider's in-stream error event ends the stream with a ProviderError", async () => {
      fake.setBehavior('error_event');
      const r = await chat();
      expect(r.deltas).toHaveLength(1);
      expect(r.error).toBeInstanceOf(ProviderError);
      expect(r.done).toBeUndefined();
    });

    it('slow chunks within the idle timeout still complete', async () => {
      fake.setBehavior({ kind: 'slow', delayMs: 40 });
      const r = await chat();
      expect(r.error).toBeUndefined();
      expect(r.text).toBe('The quick brown fox jumps.');
    });

    it('chunks slower than the idle timeout end in a timeout', async () => {
      strict();
      fake.setBehavior({ kind: 'slow', delayMs: 350 });
      expect((await chat()).error).toMatchObject({ kind: 'timeout' });
    });

    it('abort mid-stream ends with finishReason aborted, quickly, and closes the upstream request', async () => {
      fake.setBehavior('hang_after_first_chunk');
      const ac = new AbortController();
      const events: string[] = [];
      let abortedAt = 0;
      for await (const ev of provider.streamChat({ model: s.model, messages, signal: ac.signal })) {
        events.push(ev.type === 'delta' ? 'delta' : `done:${ev.finishReason}`);
        if (ev.type === 'delta') {
          abortedAt = performance.now();
          ac.abort();
        }
      }
      expect(events).toEqual(['delta', 'done:aborted']);
      // Far under the idle timeout (5 s): the abort ended it, not a timer.
      expect(performance.now() - abortedAt).toBeLessThan(1000);
      await expect.poll(() => fake.requestsTo('chat')[0]?.closedByClient).toBe(true);
    });

    it('an already aborted signal ends at once with aborted', async () => {
      const r = await chat(AbortSignal.abort());
      expect(r.error).toBeUndefined();
      expect(r.done?.finishReason).toBe('aborted');
    });

    it('a consumer that stops reading releases the upstream connection', async () => {
      fake.setBehavior('hang_after_first_chunk');
      for await (const ev of provider.streamChat({ model: s.model, messages }))
        if (ev.type === 'delta') break;
      await expect.poll(() => fake.requestsTo('chat')[0]?.closedByClient).toBe(true);
    });

    it('a closed port is unreachable', async () => {
      provider = s.make('http://127.0.0.1:1', KEY, RELAXED_TIMEOUTS);
      expect((await chat()).error).toMatchObject({ kind: 'unreachable' });
      expect(String((await chat()).error)).not.toContain(KEY);
    });

    it('lists models', async () => {
      fake.configure({ models: ['model-a', 'model-b'] });
      const models = await provider.listModels();
      expect(models.map((m) => m.id)).toEqual(['model-a', 'model-b']);
      expect(fake.requestsTo('models')[0]?.headers[s.keyHeader]).toBe(s.keyValue(KEY));
    });

    it('listing models fails with the right kind and honours the timeouts', async () => {
      strict();
      fake.setBehavior({ kind: 'http_error', status: 503 });
      expect((await providerError(provider.listModels())).kind).toBe('upstream');
      fake.setBehavior('hang');
      expect((await providerError(provider.listModels())).kind).toBe('timeout');
      fake.setBehavior('malformed');
      expect((await providerError(provider.listModels())).kind).toBe('malformed');
    });

    it("listing models rejects with the caller's abort reason", async () => {
      fake.setBehavior('hang');
      const ac = new AbortController();
      setTimeout(() => ac.abort(), 20);
      await expect(provider.listModels(ac.signal)).rejects.toMatchObject({ name: 'AbortError' });
    });

    if (s.embeddingModel) {
      const model = s.embeddingModel;
      it('embeds deterministically, one vector per input', async () => {
        const embed = provider.embed?.bind(provider);
        if (!embed) throw new Error('adapter has no embed');
        const [a, b, c] = await embed(['hello world', 'hello world', 'something else'], model);
        expect(a).toHaveLength(64);
        expect(a).toEqual(b);
        expect(a).not.toEqual(c);
        expect(fake.requestsTo('embeddings')[0]?.body).toMatchObject({
          model,
          input: ['hello world', 'hello world', 'something else'],
        });
        fake.setBehavior({ kind: 'http_error', status: 400 });
        expect((await providerError(embed(['x'], model))).kind).toBe('bad_request');
      });
    }
  });
}
