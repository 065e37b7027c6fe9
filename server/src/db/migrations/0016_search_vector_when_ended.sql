-- A running answer is not indexed for search until it ends: its text is saved every few seconds while it grows,
-- and each save recomputed the whole vector and rewrote its GIN entries (half the cost of a save on PGlite with
-- 1,000 answers running). The vector is computed once, by the answer's last write. A generated expression
-- cannot be altered in place before PostgreSQL 17, so the column and its index are made again.
DROP INDEX IF EXISTS "messages_search_idx";--> statement-breakpoint
ALTER TABLE "messages" DROP COLUMN "content_tsv";--> statement-breakpoint
ALTER TABLE "messages" ADD COLUMN "content_tsv" tsvector GENERATED ALWAYS AS (CASE WHEN "status" = 'streaming' THEN NULL ELSE to_tsvector('english', "content") END) STORED;--> statement-breakpoint
CREATE INDEX "messages_search_idx" ON "messages" USING gin ("content_tsv");
