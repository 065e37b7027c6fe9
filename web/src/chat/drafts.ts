/** What the user is typing, per chat, in localStorage: a reload or an expired session never loses it. */
const key = (chatId: string) => `pocketllm.draft.${chatId}`;

export function loadDraft(chatId: string): string {
  try {
    return localStorage.getItem(key(chatId)) ?? '';
  } catch {
    return '';
  }
}

export function saveDraft(chatId: string, text: string): void {
  try {
    if (text) localStorage.setItem(key(chatId), text);
    else localStorage.removeItem(key(chatId));
  } catch {
    // Storage full or disabled: the draft then lives only in the text box.
  }
}
