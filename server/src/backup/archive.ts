import { createHash } from 'node:crypto';
import { once } from 'node:events';
import type { Readable, Writable } from 'node:stream';

// A gzipped ustar archive, written and read here so the backup controls every byte it trusts: only regular
// files with safe relative names, sizes checked, a sha256 per entry computed while streaming.

const BLOCK = 512;

export class ArchiveError extends Error {}

/** What the reader finds wrong with the bytes; the caller decides whether that means foreign or damaged. */
export class TarError extends Error {}

function octal(value: number, width: number): string {
  return `${value.toString(8).padStart(width - 1, '0')}\0`;
}

/** ustar splits a long path into prefix (155) + name (100) at a slash. */
function splitName(name: string): { prefix: string; base: string } {
  if (Buffer.byteLength(name) <= 100) return { prefix: '', base: name };
  for (let i = name.indexOf('/'); i !== -1; i = name.indexOf('/', i + 1)) {
    const prefix = name.slice(0, i);
    const base = name.slice(i + 1);
    if (Buffer.byteLength(prefix) <= 155 && Buffer.byteLength(base) <= 100) return { prefix, base };
  }
  throw new ArchiveError(`path too long for the archive: ${name}`);
}

export function tarHeader(name: string, size: number, mtime = Date.now()): Buffer {
  const h = Buffer.alloc(BLOCK);
  const { prefix, base } = splitName(name);
  h.write(base, 0, 100, 'utf8');
  h.write(octal(0o644, 8), 100, 'ascii');
  h.write(octal(0, 8), 108, 'ascii');
  h.write(octal(0, 8), 116, 'ascii');
  h.write(octal(size, 12), 124, 'ascii');
  h.write(octal(Math.floor(mtime / 1000), 12), 136, 'ascii');
  h.write('        ', 148, 'ascii');
  h.write('0', 156, 'ascii');
  h.write('ustar\0', 257, 'ascii');
  h.write('00', 263, 'ascii');
  h.write(prefix, 345, 155, 'utf8');
  let sum = 0;
  for (const byte of h) sum += byte;
  h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'ascii');
  return h;
}

async function write(out: Writable, chunk: Buffer) {
  if (!out.write(chunk)) await once(out, 'drain');
}

/** Writes entries one after another; each returns its sha256 so the caller can list it in the manifest. */
export class ArchiveWriter {
  constructor(private readonly out: Writable) {}

  async add(name: string, size: number, content: Buffer | AsyncIterable<Buffer>): Promise<string> {
    await write(this.out, tarHeader(name, size));
    const hash = createHash('sha256');
    let written = 0;
    const chunks = Buffer.isBuffer(content) ? [content] : content;
    for await (const chunk of chunks) {
      const part = chunk.subarray(0, Math.max(0, size - written));
      hash.update(part);
      written += part.length;
      await write(this.out, part);
    }
    // A file that shrank while being read would corrupt every entry after it: refuse rather than pad.
    if (written !== size) throw new ArchiveError(`${name} changed size while being archived`);
    const pad = (BLOCK - (size % BLOCK)) % BLOCK;
    if (pad) await write(this.out, Buffer.alloc(pad));
    return hash.digest('hex');
  }

  async finish() {
    await write(this.out, Buffer.alloc(BLOCK * 2));
    this.out.end();
    await once(this.out, 'finish');
  }
}

/** Reads exactly n bytes at a time from a stream (null at a clean end). */
class BlockReader {
  private buffered: Buffer[] = [];
  private length = 0;
  private readonly it: AsyncIterator<Buffer>;

  constructor(source: Readable) {
    this.it = source[Symbol.asyncIterator]();
  }

  async read(n: number): Promise<Buffer | null> {
    while (this.length < n) {
      const next = await this.it.next();
      if (next.done) {
        if (this.length === 0) return null;
        throw new TarError('the archive is truncated');
      }
      this.buffered.push(next.value);
      this.length += next.value.length;
    }
    const all = Buffer.concat(this.buffered);
    this.buffered = all.length > n ? [all.subarray(n)] : [];
    this.length = all.length - n;
    return all.subarray(0, n);
  }
}

const SAFE_NAME = /^(?!\/)(?!.*(^|\/)\.\.?(\/|$))[^\0\\]+$/;

function parseHeader(h: Buffer): { name: string; size: number; type: string } {
  const field = (start: number, len: number) =>
    h
      .subarray(start, start + len)
      .toString('utf8')
      .replace(/\0.*$/s, '');
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 32 : (h[i] ?? 0);
  const stored = Number.parseInt(field(148, 8).trim(), 8);
  if (field(257, 5) !== 'ustar' || stored !== sum) throw new TarError('not a tar archive');
  const prefix = field(345, 155);
  const name = prefix ? `${prefix}/${field(0, 100)}` : field(0, 100);
  const size = Number.parseInt(field(124, 12).trim() || '0', 8);
  if (!Number.isSafeInteger(size) || size < 0) throw new TarError(`bad size for ${name}`);
  return { name, size, type: field(156, 1) || '0' };
}

export interface ArchiveEntry {
  name: string;
  size: number;
  /** The entry's bytes in order; must be consumed before the next entry is read. */
  chunks: AsyncIterable<Buffer>;
}

/** Yields each regular file of a (gunzipped) tar stream; anything else is a TarError. */
export async function* readArchive(source: Readable): AsyncGenerator<ArchiveEntry> {
  const reader = new BlockReader(source);
  for (;;) {
    const header = await reader.read(BLOCK);
    if (!header || header.every((b) => b === 0)) return;
    const { name, size, type } = parseHeader(header);
    if (type !== '0') throw new TarError(`unexpected entry type in the archive: ${name}`);
    if (!SAFE_NAME.test(name)) throw new TarError(`unsafe path in the archive: ${name}`);
    let left = size;
    yield {
      name,
      size,
      chunks: {
        async *[Symbol.asyncIterator]() {
          while (left > 0) {
            const part = await reader.read(Math.min(left, 64 * 1024));
            if (!part) throw new TarError('the archive is truncated');
            left -= part.length;
            yield part;
          }
        },
      },
    };
    // Skip what the consumer did not read, then the padding to the next block.
    while (left > 0) {
      const part = await reader.read(Math.min(left, 64 * 1024));
      if (!part) throw new TarError('the archive is truncated');
      left -= part.length;
    }
    const pad = (BLOCK - (size % BLOCK)) % BLOCK;
    if (pad && !(await reader.read(pad))) throw new TarError('the archive is truncated');
  }
}
