import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rename, rm, stat, unlink } from 'node:fs/promises';
import path from 'node:path';
import { type Readable, Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { AppError } from '../errors.js';
import { newId } from '../lib/ids.js';
import { SNIFF_BYTES, sniffContentType } from './sniff.js';

export interface StoredObject {
  size: number;
  sha256: string;
  /** Sniffed from the bytes. */
  contentType: string;
}

export interface PutOptions {
  maxBytes: number;
  /** Called once the first bytes are known; throw to refuse the content (nothing is stored). */
  accept?: (contentType: string) => void;
}

/**
 * Where file bytes live, addressed by a relative key such as `private/user_files/{user}/{chat}/{name}`.
 * The local-disk store is the one implementation; an S3-compatible one can follow behind this interface.
 */
export interface FileStore {
  /**
   * Streams `source` to `key` (replacing what was there only once all bytes arrived), hashing and sniffing
   * on the way. @throws payload_too_large past `maxBytes`, or what `accept` throws; nothing is left behind
   */
  put(key: string, source: Readable, opts: PutOptions): Promise<StoredObject>;
  /** The bytes at `key`, or null when there are none. */
  open(key: string): Promise<{ stream: Readable; size: number } | null>;
  delete(key: string): Promise<void>;
  /** Removes everything under a key prefix (a user's folder). */
  deletePrefix(prefix: string): Promise<void>;
}

/** Counts, hashes and sniffs bytes as they pass; fails the stream past the size limit. */
class Meter extends Transform {
  size = 0;
  contentType = '';
  private readonly hash = createHash('sha256');
  private head: Buffer[] = [];
  private headSize = 0;

  constructor(private readonly opts: PutOptions) {
    super();
  }

  get sha256() {
    return this.hash.digest('hex');
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback) {
    this.size += chunk.length;
    if (this.size > this.opts.maxBytes) {
      cb(new AppError('payload_too_large', `file: larger than the ${this.opts.maxBytes} byte limit`));
      return;
    }
    this.hash.update(chunk);
    try {
      if (!this.contentType) {
        this.head.push(chunk);
        this.headSize += chunk.length;
        if (this.headSize >= SNIFF_BYTES) this.sniff();
      }
    } catch (err) {
      cb(err instanceof Error ? err : new Error(String(err)));
      return;
    }
    cb(null, chunk);
  }

  override _flush(cb: TransformCallback) {
    try {
      if (!this.contentType) this.sniff();
      cb();
    } catch (err) {
      cb(err instanceof Error ? err : new Error(String(err)));
    }
  }

  private sniff() {
    this.contentType = sniffContentType(Buffer.concat(this.head).subarray(0, SNIFF_BYTES));
    this.head = [];
    this.opts.accept?.(this.contentType);
  }
}

export class LocalFileStore implements FileStore {
  private readonly root: string;
  private readonly tmpDir: string;

  constructor(root: string) {
    this.root = path.resolve(root);
    this.tmpDir = path.join(this.root, '.tmp');
  }

  /** The absolute path of a key; refuses anything that would land outside the root. */
  private pathOf(key: string): string {
    const segments = key.split('/');
    if (
      !key ||
      segments.some((s) => s === '' || s === '.' || s === '..' || s.includes('\\') || s.includes('\0'))
    ) {
      throw new Error(`invalid storage key: ${JSON.stringify(key)}`);
    }
    const full = path.resolve(this.root, ...segments);
    if (!full.startsWith(this.root + path.sep)) throw new Error(`storage key escapes the root: ${key}`);
    return full;
  }

  async put(key: string, source: Readable, opts: PutOptions): Promise<StoredObject> {
    const target = this.pathOf(key);
    await mkdir(this.tmpDir, { recursive: true });
    // Same filesystem as the target, so the final rename is atomic: readers never see half a file.
    const tmp = path.join(this.tmpDir, newId());
    const meter = new Meter(opts);
    try {
      await pipeline(source, meter, createWriteStream(tmp, { flags: 'wx', mode: 0o600 }));
      await mkdir(path.dirname(target), { recursive: true });
      await rename(tmp, target);
    } catch (err) {
      await unlink(tmp).catch(() => {});
      throw err;
    }
    return { size: meter.size, sha256: meter.sha256, contentType: meter.contentType };
  }

  async open(key: string): Promise<{ stream: Readable; size: number } | null> {
    const file = this.pathOf(key);
    try {
      const info = await stat(file);
      if (!info.isFile()) return null;
      return { stream: createReadStream(file), size: info.size };
    } catch (err) {
      if (isNotFound(err)) return null;
      throw err;
    }
  }

  async delete(key: string): Promise<void> {
    await rm(this.pathOf(key), { force: true });
  }

  async deletePrefix(prefix: string): Promise<void> {
    await rm(this.pathOf(prefix), { recursive: true, force: true });
  }
}

const isNotFound = (err: unknown) => err instanceof Error && 'code' in err && err.code === 'ENOENT';
