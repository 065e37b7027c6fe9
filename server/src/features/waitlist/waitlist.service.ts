import type { Db } from '../../db/client.js';
import { invalidField } from '../../errors.js';
import { decodeIdCursor, page } from '../../lib/cursor.js';
import * as repo from './waitlist.repository.js';

/** Metadata is free-form, so it gets a size cap of its own below the body limit. */
const MAX_METADATA_BYTES = 4096;

const toEntry = (r: repo.WaitlistRow) => ({
  id: r.id,
  email: r.email,
  name: r.name,
  source: r.source,
  metadata: r.metadata,
  created_at: r.createdAt.toISOString(),
});
export type WaitlistEntry = ReturnType<typeof toEntry>;

export function createWaitlistService(db: Db) {
  return {
    /**
     * Puts an email on the waitlist. Idempotent: an email already listed keeps its first entry,
     * which is returned with `created: false`. @throws validation_error (metadata too large)
     */
    async join(input: {
      email: string;
      name?: string | undefined;
      source?: string | undefined;
      metadata?: Record<string, unknown> | undefined;
    }): Promise<{ entry: WaitlistEntry; created: boolean }> {
      const metadata = input.metadata ?? {};
      if (Buffer.byteLength(JSON.stringify(metadata)) > MAX_METADATA_BYTES) {
        throw invalidField('metadata', `must be at most ${MAX_METADATA_BYTES} bytes of JSON`);
      }
      const row = await repo.insertIfNew(db, {
        email: input.email,
        name: input.name ?? null,
        source: input.source ?? null,
        metadata,
      });
      if (row) return { entry: toEntry(row), created: true };
      const existing = await repo.findByEmail(db, input.email);
      // Entries are never deleted, so the conflicting row is there.
      if (!existing) throw new Error('waitlist entry vanished between insert and read');
      return { entry: toEntry(existing), created: false };
    },

    /** Entries, newest first (admin). @throws validation_error (cursor) */
    async list(query: { limit: number; cursor?: string | undefined }) {
      const before = query.cursor ? decodeIdCursor(query.cursor) : undefined;
      const rows = await repo.list(db, query.limit + 1, before);
      const { items, nextCursor } = page(rows, query.limit, (r) => [r.id]);
      return { entries: items.map(toEntry), next_cursor: nextCursor };
    },
  };
}

export type WaitlistService = ReturnType<typeof createWaitlistService>;
