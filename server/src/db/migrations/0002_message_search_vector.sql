DROP INDEX "messages_fts_idx";--> statement-breakpoint
-- A stored vector (not in the Drizzle model, see schema/chats.ts): ranking and phrase rechecks read it instead of re-parsing content.
ALTER TABLE "messages" ADD COLUMN "content_tsv" tsvector GENERATED ALWAYS AS (to_tsvector('english', "content")) STORED;--> statement-breakpoint
CREATE INDEX "messages_search_idx" ON "messages" USING gin ("content_tsv");
