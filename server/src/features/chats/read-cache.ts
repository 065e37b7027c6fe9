import { createHash } from 'node:crypto';
import { ByteLru } from '../../lib/byte-lru.js';
import type { Versioned } from './reads.repository.js';

/**
 * The response bodies of the hot reads (opening a chat, a page of the chat list), kept per process in a byte-bounded
 * LRU (READ_CACHE_MB) with the version they were read at (reads.repository.ts: xmins of the rows they come from,
 * read in the same statement as the body). A hit is served after ONE cheap read of the current version: equal, the
 * body is still what the full statement would give; different, the full statement runs and replaces the entry. So
 * it holds across many instances without trusting the bus, and a write is seen by the next read anywhere.
 */

/** A body ready to send: bytes as they go out, its strong ETag (a hash of them). */
export interface ReadBody {
  body: Buffer;
  etag: string;
}

interface Entry extends ReadBody {
  version: string;
  bytes: number;
}

/** What an entry costs besides its body: key, version, ETag and the objects (an estimate). */
const OVERHEAD_BYTES = 200;

export const etagOf = (body: Buffer): string => `"${createHash('sha1').update(body).digest('base64url')}"`;

/** A body and its ETag, from JSON text. */
export const toBody = (json: string): ReadBody => {
  const body = Buffer.from(json);
  return { body, etag: etagOf(body) };
};

/** How a read went: served after its check (`hit`), checked and read again (`changed`), or not kept (`miss`). */
export type ReadOutcome = 'hit' | 'changed' | 'miss';

export interface ReadCacheOptions {
  /** Told of each read: its kind (the key's first `\0`-separated part, e.g. `open`, `list`; else `other`) and its outcome. */
  onRead?(kind: string, outcome: ReadOutcome): void;
}

export function createReadCache(maxBytes: number, opts: ReadCacheOptions = {}) {
  const lru = new ByteLru<Entry>(maxBytes);
  // The kind is the key's first part; a key without one counts as `other`, so no id ever becomes a metric label.
  const kindOf = (key: string) => {
    const end = key.indexOf('\0');
    return end > 0 ? key.slice(0, end) : 'other';
  };
  const told = (key: string, outcome: ReadOutcome) => opts.onRead?.(kindOf(key), outcome);
  return {
    /**
     * The body under `key`: the cached one when `check(its version)` (the current version; undefined: nothing to
     * read, e.g. no such chat) equals its version, else `load()`'s, stored. Undefined when `load` finds nothing.
     */
    async read(
      key: string,
      check: (cached: string) => Promise<string | undefined>,
      load: () => Promise<Versioned | undefined>,
    ): Promise<ReadBody | undefined> {
      if (maxBytes === 0) {
        told(key, 'miss');
        const v = await load();
        return v && toBody(v.json);
      }
      const hit = lru.get(key);
      if (hit) {
        const version = await check(hit.version);
        if (version === hit.version) {
          told(key, 'hit');
          return hit;
        }
        told(key, 'changed');
        lru.delete(key);
        if (version === undefined) return undefined;
      } else told(key, 'miss');
      const v = await load();
      if (!v) return undefined;
      const fresh = toBody(v.json);
      const entry: Entry = {
        ...fresh,
        version: v.version,
        bytes: fresh.body.length + key.length + v.version.length + OVERHEAD_BYTES,
      };
      lru.set(key, entry);
      return entry;
    },
    get bytes() {
      return lru.bytes;
    },
  };
}

export type ReadCache = ReturnType<typeof createReadCache>;
