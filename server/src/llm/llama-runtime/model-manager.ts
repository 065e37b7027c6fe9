/**
 * Keeps GGUF models loaded in process: loads lazily on first use, holds at most `maxLoaded` resident
 * (least recently used goes first), unloads idle ones, and runs one generation per model at a time so
 * concurrent chats queue instead of fighting over one context. The llama.cpp runtime is started on the
 * first load only, so a server that never sees a GGUF file never pays for it.
 */
import { stat } from 'node:fs/promises';
import path from 'node:path';
import type { ChatWrapper, Llama, LlamaContext, LlamaEmbeddingContext, LlamaModel } from 'node-llama-cpp';
import { hidePaths } from '../http.js';
import { ProviderError } from '../types.js';
import { type GgufHeader, ggufKind, loadNodeLlamaCpp, readGgufHeader } from './validate.js';

export interface ModelManagerOptions {
  /** CPU threads per generation; llama.cpp's own default oversubscribes small machines badly. */
  threads: number;
  /** Models resident at once. */
  maxLoaded: number;
  /** A model unused this long is unloaded. */
  idleMs: number;
  /** Largest context to allocate (the model's own length when smaller). */
  maxContext: number;
}

export interface ModelLease {
  model: LlamaModel;
  context: LlamaContext;
  /** Resolved once per load: resolving it from the model's template costs ~1 s, too much for every chat. */
  chatWrapper: ChatWrapper;
  /** The model's embedding context: made on the first embeddings call, kept while the model is resident. */
  embeddingContext(): Promise<LlamaEmbeddingContext>;
}

interface Resident extends Omit<ModelLease, 'embeddingContext'> {
  file: string;
  embedding: Promise<LlamaEmbeddingContext> | null;
  lastUsed: number;
  users: number;
  /** Tail of this model's queue: each generation waits for the one before it. */
  turn: Promise<void>;
}

const DEFAULTS: ModelManagerOptions = { threads: 1, maxLoaded: 1, idleMs: 5 * 60_000, maxContext: 4096 };
/** How long a stop waits for node-llama-cpp to release the runtime (see shutdown). */
const RUNTIME_DISPOSE_MS = 2000;
// llama.cpp says why a load failed only in its log; the last lines are kept for the error message.
const LOG_LINES = 8;

export class GgufModelManager {
  private opts: ModelManagerOptions = { ...DEFAULTS };
  private llama: Promise<Llama> | null = null;
  private readonly resident = new Map<string, Resident>();
  private readonly loading = new Map<string, Promise<Resident>>();
  private readonly recentErrors: string[] = [];
  private readonly allowedDirs = new Set<string>();
  /** Loads in flight: they hold a resident slot before they are resident. */
  private loadingSlots = 0;
  private released: (() => void)[] = [];
  /** Each file's header, re-read only when the file changes (size or mtime). */
  private readonly headers = new Map<string, { stamp: string; header: Promise<GgufHeader> }>();
  private sweeper: NodeJS.Timeout | null = null;

  configure(opts: Partial<ModelManagerOptions>): void {
    this.opts = { ...this.opts, ...opts };
  }

  /** Adds a folder whose .gguf files may be loaded (MODELS_DIR); nothing outside one is ever opened. */
  allowDir(dir: string): void {
    this.allowedDirs.add(path.resolve(dir));
  }

  isAllowed(file: string): boolean {
    const abs = path.resolve(file);
    return [...this.allowedDirs].some((dir) => {
      const rel = path.relative(dir, abs);
      return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel);
    });
  }

  /**
   * The file's header (read once per version of the file: the catalogue, chats and loads all ask).
   * @throws ProviderError: 'bad_request' for a file that is not a usable model, 404 for one that is gone,
   *   'upstream' for one that cannot be read
   */
  async header(file: string): Promise<GgufHeader> {
    const s = await stat(file).catch((err: unknown) => {
      // Deleted since the model was resolved: said without the server's paths.
      throw new ProviderError(
        'bad_request',
        `${path.basename(file)} is no longer in the models folder`,
        404,
        {
          cause: err,
        },
      );
    });
    const stamp = `${s.size}:${s.mtimeMs}`;
    const known = this.headers.get(file);
    if (known?.stamp === stamp) return known.header;
    const header: Promise<GgufHeader> = readGgufHeader(file).catch((err: unknown) => {
      if (err instanceof ProviderError) throw err;
      // Not the file's content but reading it (permissions, a folder by that name): asked again next time,
      // and said without the server's paths (the catalogue shows this message to every user).
      if (this.headers.get(file)?.header === header) this.headers.delete(file);
      const why = hidePaths(err instanceof Error ? err.message : String(err));
      throw new ProviderError('upstream', `could not read ${path.basename(file)}: ${why}`, 502, {
        cause: err,
      });
    });
    this.headers.set(file, { stamp, header });
    return header;
  }

  /** What the model at `file` is for, from its header's architecture. @throws what header throws */
  async kindOf(file: string): Promise<'chat' | 'embedding'> {
    return ggufKind((await this.header(file)).architecture);
  }

  get loadedCount(): number {
    return this.resident.size;
  }

  private runtime(): Promise<Llama> {
    this.llama ??= (async () => {
      const { getLlama, LlamaLogLevel } = await loadNodeLlamaCpp();
      return getLlama({
        build: 'never', // prebuilt CPU binary only: never compile or download at run time
        gpu: false,
        maxThreads: this.opts.threads,
        progressLogs: false,
        skipDownload: true,
        logLevel: LlamaLogLevel.warn,
        logger: (level, message) => {
          if (level !== LlamaLogLevel.error && level !== LlamaLogLevel.fatal) return;
          this.recentErrors.push(message.trim());
          if (this.recentErrors.length > LOG_LINES) this.recentErrors.shift();
        },
      });
    })();
    this.llama.catch(() => {
      this.llama = null;
    });
    return this.llama;
  }

  /**
   * Runs `fn` with the model at `file` loaded and its context to itself; waits for its turn first.
   * @throws ProviderError('bad_request') for a file that is not a usable model, 'upstream' when llama.cpp fails
   */
  async withModel<T>(
    file: string,
    signal: AbortSignal | undefined,
    fn: (lease: ModelLease) => Promise<T>,
  ): Promise<T> {
    let r = await this.acquire(file);
    // Another load may have evicted it between its load and this turn: take it only while resident.
    while (this.resident.get(file) !== r) r = await this.acquire(file);
    r.users++;
    const before = r.turn;
    let done: () => void = () => {};
    r.turn = new Promise<void>((resolve) => {
      done = resolve;
    });
    try {
      await waitOrAbort(before, signal);
      r.lastUsed = Date.now();
      return await fn({
        model: r.model,
        context: r.context,
        chatWrapper: r.chatWrapper,
        embeddingContext: () => this.embeddingContext(r),
      });
    } finally {
      // An aborted waiter must not let the next one start before the current generation ends.
      void before.then(done);
      r.users--;
      r.lastUsed = Date.now();
      this.notifyReleased();
    }
  }

  private async acquire(file: string): Promise<Resident> {
    const hit = this.resident.get(file);
    if (hit) {
      hit.lastUsed = Date.now();
      return hit;
    }
    let pending = this.loading.get(file);
    if (!pending) {
      pending = this.load(file).finally(() => this.loading.delete(file));
      this.loading.set(file, pending);
    }
    return pending;
  }

  private embeddingContext(r: Resident): Promise<LlamaEmbeddingContext> {
    if (!r.embedding) {
      const made = r.model.createEmbeddingContext({
        contextSize: r.context.contextSize,
        threads: this.opts.threads,
      });
      r.embedding = made;
      // A failed creation is tried again by the next call, not kept.
      made.catch(() => {
        if (r.embedding === made) r.embedding = null;
      });
    }
    return r.embedding;
  }

  private async load(file: string): Promise<Resident> {
    const header = await this.header(file);
    await this.reserveSlot();
    let model: LlamaModel | undefined;
    try {
      const llama = await this.runtime();
      const { resolveChatWrapper } = await loadNodeLlamaCpp();
      this.recentErrors.length = 0;
      model = await llama.loadModel({ modelPath: file });
      const context = await model.createContext({
        contextSize: { max: Math.min(header.contextLength, this.opts.maxContext) },
        threads: this.opts.threads,
        sequences: 1,
      });
      const chatWrapper = resolveChatWrapper(model);
      const r: Resident = {
        file,
        model,
        context,
        chatWrapper,
        embedding: null,
        lastUsed: Date.now(),
        users: 0,
        turn: Promise.resolve(),
      };
      this.resident.set(file, r);
      this.startSweeper();
      return r;
    } catch (err) {
      await model?.dispose();
      // llama.cpp's log lines reach JavaScript asynchronously, after the rejection: give them a moment.
      await new Promise((resolve) => setTimeout(resolve, 100));
      const detail =
        this.recentErrors.find((l) => /error/i.test(l)) ?? (err instanceof Error ? err.message : '');
      const why = `could not load ${path.basename(file)}: ${hidePaths(detail)}`;
      throw new ProviderError('upstream', why, 502, { cause: err });
    } finally {
      this.loadingSlots--;
      this.notifyReleased();
    }
  }

  /**
   * Unloads the least recently used idle models until one more fits, waiting while every slot is busy,
   * then takes the slot in the same synchronous step so two loads cannot both see it free.
   */
  private async reserveSlot(): Promise<void> {
    while (this.resident.size + this.loadingSlots >= this.opts.maxLoaded) {
      const idle = [...this.resident.values()]
        .filter((r) => r.users === 0)
        .sort((a, b) => a.lastUsed - b.lastUsed);
      const victim = idle[0];
      if (victim) await this.unload(victim);
      else await new Promise<void>((resolve) => this.released.push(resolve));
    }
    this.loadingSlots++;
  }

  private notifyReleased(): void {
    const waiters = this.released;
    this.released = [];
    for (const w of waiters) w();
  }

  private async unload(r: Resident): Promise<void> {
    if (this.resident.get(r.file) !== r) return;
    this.resident.delete(r.file);
    await (await r.embedding?.catch(() => null))?.dispose();
    await r.context.dispose();
    await r.model.dispose();
  }

  private startSweeper(): void {
    if (this.sweeper) return;
    const every = Math.max(1000, Math.min(60_000, this.opts.idleMs / 2));
    this.sweeper = setInterval(() => void this.sweep(), every);
    this.sweeper.unref(); // never the reason the process stays up
  }

  /** Unloads models idle longer than `idleMs` (run by the sweeper timer; `now` lets tests jump ahead). */
  async sweep(now = Date.now()): Promise<number> {
    const stale = [...this.resident.values()].filter(
      (r) => r.users === 0 && now - r.lastUsed >= this.opts.idleMs,
    );
    for (const r of stale) await this.unload(r);
    if (!this.resident.size && this.sweeper) {
      clearInterval(this.sweeper);
      this.sweeper = null;
    }
    return stale.length;
  }

  /** Disposes every model and the runtime (lifecycle stop). */
  async shutdown(): Promise<void> {
    if (this.sweeper) clearInterval(this.sweeper);
    this.sweeper = null;
    await Promise.allSettled([...this.loading.values()]);
    for (const r of [...this.resident.values()]) await this.unload(r);
    const llama = this.llama;
    this.llama = null;
    const runtime = await llama?.catch(() => null);
    if (!runtime) return;
    // node-llama-cpp's dispose waits until every model object it made has let go of the runtime, and some
    // (a failed load's, its memory simulations') let go only when garbage-collected: without a bound, a
    // stop could wait for a GC that an idle process never runs. Whatever is left goes with the process.
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      runtime.dispose(),
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, RUNTIME_DISPOSE_MS);
      }),
    ]);
    clearTimeout(timer);
  }
}

function waitOrAbort(p: Promise<void>, signal: AbortSignal | undefined): Promise<void> {
  if (!signal) return p;
  signal.throwIfAborted();
  return new Promise<void>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    });
  });
}
