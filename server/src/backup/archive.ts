import { createHash } from 'node:crypto';
import { once } from 'node:events';
import type { Readable, Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { Header, Pack, Parser, ReadEntry } from 'tar';

// The backup's gzipped tar, written and read with node-tar. What this file adds is what the backup trusts:
// only regular files with safe relative names, each entry's sha256 computed while it streams, and writes that
// wait for the output (a backup of a large installation never sits in memory).

export class ArchiveError extends Error {}

/** What the reader finds wrong with the bytes; the caller decides whether that means foreign or damaged. */
export class TarError extends Error {}

/** Writes entries one after another; each returns its sha256 so the caller can list it in the manifest. */
export class ArchiveWriter {
  private readonly pack = new Pack({ gzip: { level: 6 }, portable: true, strict: true });
  /** Settles when the output has taken the whole archive; rejects if it fails or closes early, or tar fails. */
  private readonly done: Promise<void>;

  constructor(out: Writable) {
    this.done = Promise.race([
      finished(out),
      new Promise<never>((_, reject) => this.pack.once('error', reject)),
    ]);
    this.done.catch(() => {}); // awaited by finish(); a write waiting for room races it too
    this.pack.pipe(out);
  }

  async add(name: string, size: number, content: Buffer | AsyncIterable<Buffer>): Promise<string> {
    const entry = new ReadEntry(
      new Header({ path: name, size, mode: 0o644, type: 'File', mtime: new Date() }),
    );
    this.pack.add(entry);
    const hash = createHash('sha256');
    let written = 0;
    for await (const chunk of Buffer.isBuffer(content) ? [content] : content) {
      const part = chunk.subarray(0, Math.max(0, size - written));
      if (part.length === 0) continue;
      hash.update(part);
      written += part.length;
      if (!entry.write(part)) await Promise.race([once(entry, 'drain'), this.done]);
    }
    // A file that shrank while being read would corrupt every entry after it: refuse rather than pad.
    if (written !== size) throw new ArchiveError(`${name} changed size while being archived`);
    entry.end();
    return hash.digest('hex');
  }

  async finish() {
    this.pack.end();
    await this.done;
  }
}

const SAFE_NAME = /^(?!\/)(?!.*(^|\/)\.\.?(\/|$))[^\0\\]+$/;

export interface ArchiveEntry {
  name: string;
  size: number;
  /** The entry's bytes in order; must be consumed before the next entry is read. */
  chunks: AsyncIterable<Buffer>;
}

/** Yields each regular file of a gzipped tar stream; anything else, or bytes that are not one, is a TarError. */
export async function* readArchive(source: Readable): AsyncGenerator<ArchiveEntry> {
  // strict: every warning (checksum failure, truncated input, not a tar at all) is an error. Node's gunzip,
  // not tar's own: it hands over what it has inflated before it reports a damaged byte, so the entries before
  // the damage are read and a damaged backup is told apart from a foreign file.
  const parser = new Parser({ strict: true });
  const gunzip = createGunzip();
  const queue: ReadEntry[] = [];
  let current: ReadEntry | undefined;
  let failure: TarError | undefined;
  let ended = false;
  let wake: (() => void) | undefined;
  const notify = () => {
    wake?.();
    wake = undefined;
  };
  const fail = (err: unknown) => {
    failure ??= new TarError(err instanceof Error ? err.message : String(err));
    // Entries not yet complete get no more bytes: end them so their reader stops waiting and sees the failure.
    for (const entry of current ? [current, ...queue] : queue) if (entry.remain > 0) entry.end();
    notify();
  };
  parser.on('entry', (entry: ReadEntry) => {
    if (failure && entry.remain > 0) entry.end(); // emitted after the failure: it gets no more bytes either
    queue.push(entry);
    notify();
  });
  parser.on('ignoredEntry', (entry: ReadEntry) => fail(`unexpected entry in the archive: ${entry.path}`));
  parser.on('error', fail);
  parser.on('end', () => {
    ended = true;
    notify();
  });
  source.on('error', fail);
  gunzip.on('error', (err) => fail(new Error(`gzip: ${err.message}`)));
  source.pipe(gunzip).pipe(parser);

  for (;;) {
    while (!failure && queue.length === 0 && !ended) await new Promise<void>((r) => (wake = r));
    // Entries read whole before a failure are still given out: a cut-short backup is then told apart from a
    // foreign file by the PocketLLM header it starts with.
    const entry = queue.shift();
    if (!entry) {
      if (failure) throw failure;
      return;
    }
    if (entry.type !== 'File') throw new TarError(`unexpected entry type in the archive: ${entry.path}`);
    if (!SAFE_NAME.test(entry.path)) throw new TarError(`unsafe path in the archive: ${entry.path}`);
    current = entry;
    yield {
      name: entry.path,
      size: entry.size,
      chunks: {
        async *[Symbol.asyncIterator]() {
          for await (const chunk of entry) yield Buffer.from(chunk);
          if (entry.remain > 0) throw failure ?? new TarError('the archive is truncated');
        },
      },
    };
    // What the consumer did not read is skipped; the parser moves on once the entry has ended.
    entry.resume();
    current = undefined;
  }
}
