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

const FRAGMENT_DELIMITER = ' … ';

/**
 * ts_headline cuts fragments at word boundaries, so "…France?" comes back as "…France". Each fragment gets
 * back the punctuation that follows it in the message (a fragment not found verbatim is left as it is).
 */
export function keepEndPunctuation(raw: string, content: string): string {
  return raw
    .split(FRAGMENT_DELIMITER)
    .map((fragment) => {
      const plain = fragment.replaceAll(MATCH_START, '').replaceAll(MATCH_END, '');
      const at = plain ? content.indexOf(plain) : -1;
      if (at === -1) return fragment;
      const tail = /^[^\s\p{L}\p{N}]+/u.exec(content.slice(at + plain.length))?.[0] ?? '';
      return fragment + tail;
    })
    .join(FRAGMENT_DELIMITER);
}
