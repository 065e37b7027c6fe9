import { copyFileSync, mkdirSync, mkdtempSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeTinyGguf } from '../../test/fixtures/make-tiny-gguf.js';
import { loadConfig } from '../config.js';
import { AppError } from '../errors.js';
import { createGgufService } from '../features/gguf/gguf.service.js';
import { Lifecycle } from '../lib/lifecycle.js';
import { LlamaCppProvider } from './llama-cpp.js';
import { GgufModelManager } from './llama-runtime/model-manager.js';
import { type ChatEvent, type ChatRequest, ProviderError } from './types.js';

const dir = mkdtempSync(path.join(tmpdir(), 'pocketllm-gguf-'));
const modelsDir = path.join(dir, 'models');
const lifecycle = new Lifecycle();
const manager = new GgufModelManager();
const { config } = loadConfig({
  NODE_ENV: 'test',
  DATA_DIR: dir,
  MODELS_DIR: modelsDir,
  LLAMA_THREADS: '1',
  LLAMA_MAX_LOADED: '1',
  JWT_SECRET: 'test-jwt-secret-that-is-long-enough-0123456789',
  ENCRYPTION_KEY: 'test-encryption-key-that-is-long-enough-0123',
});
const gguf = createGgufService({ config, manager });
lifecycle.add(gguf.managed);

const provider = (model: string) => new LlamaCppProvider(gguf.resolveTarget(model), manager);
const hello = (extra: Partial<ChatRequest> = {}): ChatRequest => ({
  model: 'tiny',
  messages: [
    { role: 'system', content: 'You are tiny.' },
    { role: 'user', content: 'hello world' },
  ],
  params: { temperature: 0, max_tokens: 24 },
  ...extra,
});

async function collect(stream: AsyncIterable<ChatEvent>): Promise<{ text: string; events: ChatEvent[] }> {
  const events: ChatEvent[] = [];
  for await (const e of stream) events.push(e);
  return { text: events.map((e) => (e.type === 'delta' ? e.content : '')).join(''), events };
}

beforeAll(() => {
  mkdirSync(modelsDir);
  writeTinyGguf(path.join(modelsDir, 'tiny.gguf'), { seed: 7 });
  writeTinyGguf(path.join(modelsDir, 'other.gguf'), { seed: 8, weightType: 'f16' });
  // An encoder-only architecture (as nomic-embed-text's GGUF is): an embedding model, not a chat one.
  writeTinyGguf(path.join(modelsDir, 'embedder.gguf'), { seed: 9, architecture: 'nomic-bert' });
  // The file llama.cpp would abort the process on: no feed-forward width.
  writeTinyGguf(path.join(modelsDir, 'no-ffn.gguf'), { seed: 7, omitKeys: ['llama.feed_forward_length'] });
  copyFileSync(path.join(modelsDir, 'tiny.gguf'), path.join(modelsDir, 'cut.gguf'));
  truncateSync(
    path.join(modelsDir, 'cut.gguf'),
    Math.floor(statSync(path.join(modelsDir, 'cut.gguf')).size / 2),
  );
  writeFileSync(path.join(modelsDir, 'notes.txt'), 'not a model');
  writeFileSync(path.join(modelsDir, 'text.gguf'), 'a text file with a model extension');
  writeFileSync(path.join(dir, 'outside.gguf'), 'outside the models folder');
});

afterAll(async () => {
  await lifecycle.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('GGUF catalogue', () => {
  it('lists every usable *.gguf as provider gguf with its context length, and reports broken ones', async () => {
    const { models, errors } = await gguf.listModels();
    expect(models.map((m) => m.id)).toEqual(['embedder', 'other', 'tiny']);
    expect(models[2]).toMatchObject({ id: 'tiny', provider: 'gguf', kind: 'chat', context_length: 2048 });
    // The chat pickers offer only kind 'chat'; an encoder-only model is listed for embeddings.
    expect(models[0]).toMatchObject({ id: 'embedder', kind: 'embedding' });
    expect(await provider('embedder').listModels()).toMatchObject([{ id: 'embedder', kind: 'embedding' }]);
    // Asked to chat anyway (the OpenAI API takes any model name), it says why, before any load.
    const refused = await collect(provider('embedder').streamChat(hello())).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(ProviderError);
    expect(refused).toMatchObject({ status: 400, message: expect.stringContaining('is an embedding model') });
    expect(manager.loadedCount).toBe(0);
    // A file deleted between the model's resolution and the chat: a clear error, no server path in it.
    const gone = path.join(modelsDir, 'gone.gguf');
    copyFileSync(path.join(modelsDir, 'tiny.gguf'), gone);
    const stale = new LlamaCppProvider(gguf.resolveTarget('gone'), manager);
    rmSync(gone);
    const missing = await collect(stale.streamChat(hello())).catch((e: unknown) => e);
    expect(missing).toMatchObject({ status: 404, message: 'gone.gguf is no longer in the models folder' });
    const messages = errors.map((e) => e.message).join('\n');
    expect(messages).toContain(
      'no-ffn.gguf is not a usable GGUF model: missing or invalid llama.feed_forward_length',
    );
    expect(messages).toContain('cut.gguf is not a usable GGUF model');
    expect(messages).toContain(
      'text.gguf is not a usable GGUF model: unreadable header (not a GGUF file (bad magic))',
    );
    expect(errors).toHaveLength(3);
  });

  it('resolves a model id to a llama-cpp target inside MODELS_DIR, and nothing else', () => {
    expect(gguf.resolveTarget('tiny')).toEqual({
      provider: 'gguf',
      adapter: 'llama-cpp',
      baseUrl: path.join(modelsDir, 'tiny.gguf'),
      apiKey: null,
    });
    for (const bad of ['missing', '../outside', '..', 'sub/tiny', '/etc/passwd', '.hidden']) {
      expect(() => gguf.resolveTarget(bad)).toThrow(AppError);
    }
    expect(() => new LlamaCppProvider({ baseUrl: path.join(dir, 'outside.gguf') }, manager)).toThrow(
      ProviderError,
    );
  });
});

describe('LlamaCppProvider on the tiny model', { timeout: 60_000 }, () => {
  it('streams text and ends with usage and a finish reason', async () => {
    const { text, events } = await collect(provider('tiny').streamChat(hello()));
    expect(text.length).toBeGreaterThan(0);
    expect(events.filter((e) => e.type === 'delta').length).toBeGreaterThan(1);
    const done = events.at(-1);
    expect(done?.type).toBe('done');
    if (done?.type !== 'done') return;
    expect(['length', 'stop']).toContain(done.finishReason);
    expect(done.usage?.tokensIn).toBeGreaterThan(5);
    expect(done.usage?.tokensOut).toBeGreaterThan(0);
    expect(done.usage?.tokensOut).toBeLessThanOrEqual(24);
  });

  it('takes earlier turns as history through the model chat template', async () => {
    const single = await collect(provider('tiny').streamChat(hello()));
    const multi = await collect(
      provider('tiny').streamChat(
        hello({
          messages: [
            { role: 'system', content: 'You are tiny.' },
            { role: 'user', content: 'hello world' },
            { role: 'assistant', content: 'the model says yes' },
            { role: 'user', content: 'and then?' },
          ],
        }),
      ),
    );
    const tokensIn = (r: typeof single) => {
      const done = r.events.at(-1);
      return done?.type === 'done' ? (done.usage?.tokensIn ?? 0) : 0;
    };
    expect(tokensIn(multi)).toBeGreaterThan(tokensIn(single) + 5);
    expect(multi.text.length).toBeGreaterThan(0);
  });

  it('gives the same text for the same model file and temperature 0', async () => {
    const a = await collect(provider('tiny').streamChat(hello()));
    const b = await collect(provider('tiny').streamChat(hello()));
    expect(b.text).toBe(a.text);
    // A model from another seed answers differently (the text depends on the weights, not a constant).
    const c = await collect(provider('other').streamChat(hello()));
    expect(c.text).not.toBe(a.text);
  });

  it('runs two concurrent chats on one model to completion (they queue)', async () => {
    const [a, b] = await Promise.all([
      collect(provider('tiny').streamChat(hello())),
      collect(provider('tiny').streamChat(hello({ messages: [{ role: 'user', content: 'two' }] }))),
    ]);
    for (const r of [a, b]) expect(r.events.at(-1)).toMatchObject({ type: 'done' });
    expect(a.text.length).toBeGreaterThan(0);
    expect(b.text.length).toBeGreaterThan(0);
  });

  it('keeps at most LLAMA_MAX_LOADED models resident and unloads idle ones', async () => {
    await collect(provider('tiny').streamChat(hello()));
    await collect(provider('other').streamChat(hello()));
    expect(manager.loadedCount).toBe(1);
    expect(await manager.sweep(Date.now() + 60 * 60_000)).toBe(1);
    expect(manager.loadedCount).toBe(0);
  });

  it('embeds between chats on the same model, and again after the model was unloaded', async () => {
    const [chat, vectors] = await Promise.all([
      collect(provider('tiny').streamChat(hello())),
      provider('tiny').embed(['hello world', 'paris'], 'tiny'),
    ]);
    expect(chat.events.at(-1)).toMatchObject({ type: 'done' });
    expect(vectors).toHaveLength(2);
    expect(vectors[0]).not.toEqual(vectors[1]);
    // Unloading disposes the embedding context with the model; the next call makes a new one.
    expect(await manager.sweep(Date.now() + 60 * 60_000)).toBe(1);
    expect(await provider('tiny').embed(['hello world'], 'tiny')).toEqual([vectors[0]]);
    // Another model's vectors for the same text differ: they come from its weights.
    expect(await provider('other').embed(['hello world'], 'other')).not.toEqual([vectors[0]]);
    const ctl = new AbortController();
    ctl.abort(new Error('caller went away'));
    await expect(provider('tiny').embed(['x'], 'tiny', ctl.signal)).rejects.toThrow('caller went away');
  });

  it('ends quickly with finishReason aborted when the signal fires mid-generation', async () => {
    const ctl = new AbortController();
    const events: ChatEvent[] = [];
    let abortedAt = 0;
    for await (const e of provider('tiny').streamChat(
      hello({ params: { max_tokens: 1500 }, signal: ctl.signal }),
    )) {
      events.push(e);
      if (e.type === 'delta' && !abortedAt) {
        abortedAt = performance.now();
        ctl.abort();
      }
    }
    expect(performance.now() - abortedAt).toBeLessThan(1000);
    expect(events.at(-1)).toMatchObject({ type: 'done', finishReason: 'aborted' });
    expect(events.filter((e) => e.type === 'delta').length).toBeLessThan(200);
  });

  it('lets a chat waiting its turn be cancelled without disturbing the one running', async () => {
    const a = collect(provider('tiny').streamChat(hello({ params: { temperature: 0, max_tokens: 400 } })));
    const ctl = new AbortController();
    const b = collect(provider('tiny').streamChat(hello({ signal: ctl.signal })));
    await new Promise((resolve) => setTimeout(resolve, 5));
    ctl.abort();
    const cancelled = await b;
    expect(cancelled.text).toBe('');
    expect(cancelled.events.at(-1)).toMatchObject({ type: 'done', finishReason: 'aborted' });
    const first = await a;
    expect(first.events.at(-1)).toMatchObject({
      type: 'done',
      finishReason: 'length',
      usage: { tokensOut: 400 },
    });
  });

  it('refuses a GGUF missing a required key with a clear error, and the process lives on', async () => {
    const run = collect(
      new LlamaCppProvider({ baseUrl: path.join(modelsDir, 'no-ffn.gguf') }, manager).streamChat(hello()),
    );
    await expect(run).rejects.toThrow(
      /no-ffn\.gguf is not a usable GGUF model: missing or invalid llama\.feed_forward_length/,
    );
    await expect(run).rejects.toBeInstanceOf(ProviderError);
    // Still alive and still serving.
    const after = await collect(provider('tiny').streamChat(hello()));
    expect(after.events.at(-1)).toMatchObject({ type: 'done' });
  });

  it('reports why llama.cpp refused a file that passed the header check (tensor shapes)', async () => {
    const file = path.join(modelsDir, 'no-gqa.gguf');
    writeTinyGguf(file, { seed: 7, omitKeys: ['llama.attention.head_count_kv'] });
    const run = collect(new LlamaCppProvider({ baseUrl: file }, manager).streamChat(hello()));
    await expect(run).rejects.toThrow(/could not load no-gqa\.gguf: .*attn_k\.weight' has wrong shape/);
    // llama.cpp's own words reach the user, but not where the server keeps its models.
    await expect(run.catch((err: Error) => err.message)).resolves.not.toContain(modelsDir);
    const after = await collect(provider('tiny').streamChat(hello()));
    expect(after.events.at(-1)).toMatchObject({ type: 'done' });
  });

  it('says a model file it cannot read is unreadable, by name and without the server path', async () => {
    // Stat succeeds but reading fails (as a file without read permission does for a non-root server).
    const folder = path.join(modelsDir, 'folder.gguf');
    mkdirSync(folder);
    const run = collect(new LlamaCppProvider({ baseUrl: folder }, manager).streamChat(hello()));
    await expect(run).rejects.toThrow(/could not read folder\.gguf: EISDIR/);
    await expect(run).rejects.toBeInstanceOf(ProviderError);
    await expect(run.catch((err: Error) => err.message)).resolves.not.toContain(modelsDir);
    // A model put there later is used (new size and time: this does not tell whether the failure was kept).
    rmSync(folder, { recursive: true });
    copyFileSync(path.join(modelsDir, 'tiny.gguf'), folder);
    const after = await collect(new LlamaCppProvider({ baseUrl: folder }, manager).streamChat(hello()));
    expect(after.events.at(-1)).toMatchObject({ type: 'done' });
    rmSync(folder);
  });

  it('refuses a truncated GGUF with a clear error', async () => {
    const cut = new LlamaCppProvider({ baseUrl: path.join(modelsDir, 'cut.gguf') }, manager);
    await expect(collect(cut.streamChat(hello()))).rejects.toThrow(/cut\.gguf is not a usable GGUF model/);
    await expect(cut.listModels()).rejects.toThrow(ProviderError);
  });
});

describe('pictures', () => {
  it('are refused clearly (the in-process runtime is text-only here), never silently dropped', async () => {
    const png = { mediaType: 'image/png' as const, data: 'iVBORw0KGgo=' };
    const err = await collect(
      provider('tiny').streamChat(hello({ messages: [{ role: 'user', content: 'look', images: [png] }] })),
    ).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ProviderError);
    expect((err as ProviderError).kind).toBe('bad_request');
    expect((err as ProviderError).message).toMatch(/cannot take pictures/);
  });
});
