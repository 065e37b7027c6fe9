import { MATCH_END, MATCH_START } from './search.repository.js';

const HTML_ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** The snippet as safe HTML: the message text escaped, the matched words in <b>…</b>. */
export const toSnippet = (raw: string) =>
  raw
    .replace(/[&<>"']/g, (c) => HTML_ESCAPES[c] ?? c)
    .replaceAll(MATCH_START, '<b>')
    .replaceAll(MATCH_END, '</b>');
