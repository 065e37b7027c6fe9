-- Share links: a read-only snapshot of a chat's current path, reached by a token of which only the SHA-256 is kept. One link per chat (sharing again replaces it); revoking deletes the row.
CREATE TABLE "chat_shares" (
	"id" uuid PRIMARY KEY NOT NULL,
	"chat_id" uuid NOT NULL REFERENCES "chats"("id") ON DELETE CASCADE,
	"user_id" uuid NOT NULL REFERENCES "users"("id") ON DELETE CASCADE,
	"token_hash" text NOT NULL,
	"snapshot" jsonb NOT NULL,
	"expires_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);--> statement-breakpoint
CREATE UNIQUE INDEX "chat_shares_token_idx" ON "chat_shares" USING btree ("token_hash");--> statement-breakpoint
CREATE UNIQUE INDEX "chat_shares_chat_idx" ON "chat_shares" USING btree ("chat_id");--> statement-breakpoint
-- Imported chats remember where they came from (e.g. "chatgpt:<conversation id>"), so importing the same file again adds nothing twice.
ALTER TABLE "chats" ADD COLUMN "import_source_id" text;--> statement-breakpoint
CREATE UNIQUE INDEX "chats_import_source_idx" ON "chats" USING btree ("user_id","import_source_id") WHERE "import_source_id" IS NOT NULL;
