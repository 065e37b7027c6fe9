/**
 * /chats is a draft ("New chat"): the window opens at once and nothing exists on the server until the first
 * message creates the chat. /chats/:chatId is a chat. The window is keyed by the draft's key while it turns
 * into its chat, so what is typed and the running answer stay on screen through the route change.
 */
import { useLocation, useParams } from 'react-router';
import { isRecord } from '../api/client';
import { ChatWindow } from './ChatWindow';

export function draftKeyOf(state: unknown): string | null {
  return isRecord(state) && typeof state.draft === 'string' ? state.draft : null;
}

export function ChatsPage() {
  const { chatId } = useParams();
  const location = useLocation();
  const key = draftKeyOf(location.state) ?? chatId ?? 'draft';
  return <ChatWindow key={key} chatId={chatId ?? null} draftKey={key} />;
}
