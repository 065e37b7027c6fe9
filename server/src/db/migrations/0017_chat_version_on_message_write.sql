-- A chat's row version (xmin) stands for everything opening the chat shows (features/chats/read-cache.ts): a write
-- of one of its messages must also write the chat's row, unless this transaction already did. The update changes
-- no value; it only makes a new row version, whose xmin is this transaction's.
-- The hot writes do it themselves, in the same statement, which costs far less than a trigger (a trigger on every
-- message statement cost 0.6-1.7 ms of CPU per send on PGlite, bench/src/send-statements.bench.ts): inserting
-- messages (a send, a regeneration, an edit, an import) updates the chat anyway, and the writes of a streaming
-- answer (partial and final saves, the sweeper's interruptions) carry a CTE that touches its chat
-- (features/chats/chat-touch.ts). The triggers cover the rest: an update of a message that is not streaming
-- (rating, pin, anything later), an update of a streaming one's rating or pin, and deletes.
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
