-- A chat is a tree of messages: each message has the one it answers or follows (null for the first), and the chat keeps the leaf of the branch it shows. Existing linear chats become single-branch trees in place. Messages also keep the files attached to them.
ALTER TABLE "messages" ADD COLUMN "parent_id" uuid REFERENCES "messages"("id") ON DELETE CASCADE;--> statement-breakpoint
ALTER TABLE "messages" ADD COLUMN "attachments" jsonb DEFAULT '[]'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "chats" ADD COLUMN "current_leaf_id" uuid REFERENCES "messages"("id") ON DELETE SET NULL;--> statement-breakpoint
UPDATE "messages" AS m SET "parent_id" = p.prev
  FROM (SELECT "id", lag("id") OVER (PARTITION BY "chat_id" ORDER BY "created_at", "id") AS prev FROM "messages") AS p
  WHERE m."id" = p."id" AND p.prev IS NOT NULL;--> statement-breakpoint
UPDATE "chats" AS c SET "current_leaf_id" = (
  SELECT "id" FROM "messages" WHERE "chat_id" = c."id" ORDER BY "created_at" DESC, "id" DESC LIMIT 1);--> statement-breakpoint
CREATE INDEX "messages_parent_idx" ON "messages" USING btree ("parent_id","created_at","id");
