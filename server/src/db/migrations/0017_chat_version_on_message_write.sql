-- A chat's row version (xmin) stands for what opening the chat shows (features/chats/read-cache.ts), with the
-- xmins of the streaming answers it shows (reads.repository.ts). So a write of a message that is not streaming
-- (rating, pin, anything later) also writes its chat's row, and so does a delete, unless this transaction already
-- wrote it. The update changes no value; it only makes a new row version, whose xmin is this transaction's.
-- Left out, for their cost: inserts (a send, a regeneration, an edit and an import update the chat in the same
-- statement or transaction anyway; a trigger on every message statement cost 0.6-1.7 ms of CPU per send on
-- PGlite, bench/src/send-statements.bench.ts) and the writes of a streaming answer (its partial saves, its last
-- word, the sweeper's), which the version sees through the answer's own xmin.
CREATE FUNCTION "chat_touch_on_message_update"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE chats c SET message_count = c.message_count
   WHERE c.id = NEW.chat_id AND c.xmin <> pg_current_xact_id()::xid;
  RETURN NULL;
END $$;--> statement-breakpoint
CREATE TRIGGER "messages_touch_chat_upd" AFTER UPDATE ON "messages" FOR EACH ROW
  WHEN (OLD.status <> 'streaming' OR OLD.rating IS DISTINCT FROM NEW.rating OR OLD.pinned IS DISTINCT FROM NEW.pinned)
  EXECUTE FUNCTION "chat_touch_on_message_update"();--> statement-breakpoint
-- Statement-level with the transition table: a chat's cascade deletes its messages in one statement, one call.
CREATE FUNCTION "chat_touch_on_message_delete"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE chats c SET message_count = c.message_count
   WHERE c.id IN (SELECT DISTINCT chat_id FROM old_rows) AND c.xmin <> pg_current_xact_id()::xid;
  RETURN NULL;
END $$;--> statement-breakpoint
CREATE TRIGGER "messages_touch_chat_del" AFTER DELETE ON "messages" REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION "chat_touch_on_message_delete"();
