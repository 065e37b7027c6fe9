-- A chat may set its own system prompt; it is given to the model over the model configuration's.
ALTER TABLE "chats" ADD COLUMN "system_prompt" text;
