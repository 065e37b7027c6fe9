/** /chats and /chats/:chatId — without an id, a start screen that creates a chat. */
import { useParams } from 'react-router';
import { Button, ErrorNote } from '../ui/ui';
import { ChatWindow } from './ChatWindow';
import { useNewChat } from './SessionList';

export function ChatsPage() {
  const { chatId } = useParams();
  const newChat = useNewChat();
  if (chatId) return <ChatWindow key={chatId} chatId={chatId} />;
  return (
    <div className="flex h-full flex-col items-center justify-center gap-4 p-6 text-center">
      <h1 className="text-2xl font-semibold">Welcome to PocketLLM</h1>
      <p className="max-w-sm text-sm text-zinc-500">
        Start a new chat, or pick one from the list. Add a provider key in Settings first if you have not yet.
      </p>
      <Button onClick={() => newChat.mutate()} disabled={newChat.isPending}>
        Start a new chat
      </Button>
      {newChat.isError && <ErrorNote error={newChat.error} />}
    </div>
  );
}
