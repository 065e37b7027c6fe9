-- Personal API keys for the OpenAI-compatible API: what each key may do and until when; request_log names the key a request came with (usage per key).
ALTER TABLE "api_keys" ADD COLUMN "scopes" text[] DEFAULT '{chat,models,embeddings}'::text[] NOT NULL;--> statement-breakpoint
ALTER TABLE "api_keys" ADD COLUMN "expires_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "request_log" ADD COLUMN "api_key_name" text;
