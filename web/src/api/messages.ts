/** What is done to one message: rate, pin, cancel its answer; and the list of pinned messages. */
import { useQuery } from '@tanstack/react-query';
import { api } from './client';
import { keys } from './keys';
import type { PinnedMessageList, PinResult } from './types';

export const rateMessage = (id: string, rating: 'up' | 'down' | null) =>
  api<void>(`/messages/${id}/rate`, { method: 'POST', body: { rating } });

export const pinMessage = (id: string, pinned: boolean) =>
  api<PinResult>(`/messages/${id}/pin`, { method: 'POST', body: { pinned } });

export const cancelMessage = (id: string) => api<void>(`/messages/${id}/cancel`, { method: 'POST' });

export function usePinned() {
  return useQuery({ queryKey: keys.pinned(), queryFn: () => api<PinnedMessageList>('/messages/pinned') });
}
