-- A chat's row version (xmin) stands for everything opening the chat shows (features/chats/read-cache.ts): every
-- statement that writes messages (a send, an answer's partial and final saves, rating, pin, edit, the sweeper's
-- interruptions, an import...) also writes the row of each chat it touched, unless this transaction already wrote
-- it (insert_turn updates the chat in the same statement: no second write). The update changes no value; it only
-- makes a new row version, so its xmin is this transaction's. Statement-level, with the transition tables: one
-- update per statement, however many rows (the grouped partial saves of many answers).
CREATE FUNCTION "chat_touch_on_message_write"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    UPDATE chats c SET message_count = c.message_count
     WHERE c.id IN (SELECT DISTINCT chat_id FROM old_rows) AND c.xmin <> pg_current_xact_id()::xid;
  ELSE
    UPDATE chats c SET message_count = c.message_count
     WHERE c.id IN (SELECT DISTINCT chat_id FROM new_rows) AND c.xmin <> pg_current_xact_id()::xid;
  END IF;
  RETURN NULL;
END $$;--> statement-breakpoint
CREATE TRIGGER "messages_touch_chat_ins" AFTER INSERT ON "messages" REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION "chat_touch_on_message_write"();--> statement-breakpoint
CREATE TRIGGER "messages_touch_chat_upd" AFTER UPDATE ON "messages" REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION "chat_touch_on_message_write"();--> statement-breakpoint
CREATE TRIGGER "messages_touch_chat_del" AFTER DELETE ON "messages" REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION "chat_touch_on_message_write"();
