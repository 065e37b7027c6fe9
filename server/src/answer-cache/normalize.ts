import { createHash } from 'node:crypto';

/**
 * Case, white space and trailing punctuation do not change the question. The ellipsis, the ideographic full stop
 * and the full-width ? and ! are written as escapes: a non-Latin-1 character in a regular expression would make
 * V8 hold the whole server bundle at two bytes a character (server/bundle.mjs).
 */
export function normalizePrompt(prompt: string): string {
  return prompt
    .normalize('NFKC')
    .toLowerCase()
    .replace(/\s+/g, ' ')
    .trim()
    .replace(/[\s?!.\u2026\u3002\uFF1F\uFF01]+$/u, '')
    .trim();
}

const STOPWORDS = new Set(
  (
    'a an the is are was were be been being am do does did of to in on at for from by with about as into ' +
    'and or but if then so than that this these those it its i me my we our you your he she they them their ' +
    'what whats which who whom whose how can could would should will shall may might must please tell give ' +
    'show explain describe let lets us some any there here just kind'
  ).split(' '),
);

/**
 * A light stemmer: enough for "volcanoes"/"volcano", "running"/"run", not a linguistic tool. Short words are
 * left alone, so acronyms keep their meaning ("https" is not "http").
 */
function stem(word: string): string {
  if (word.length < 6) return word;
  if (word.length > 4 && word.endsWith('ies')) return `${word.slice(0, -3)}y`;
  if (word.length > 4 && word.endsWith('es')) return word.slice(0, -2);
  if (word.length > 3 && word.endsWith('s') && !word.endsWith('ss')) return word.slice(0, -1);
  if (word.length > 5 && word.endsWith('ing')) return word.slice(0, -3);
  if (word.length > 4 && word.endsWith('ed')) return word.slice(0, -2);
  return word;
}

// Words that give a prompt a direction: "miles to kilometers" is not "kilometers to miles".
const DIRECTIONAL = new Set(['to', 'into', 'from', 'than', 'vs', 'versus']);

/**
 * The words that carry a prompt's meaning: stop words dropped, stemmed, numbers kept whole, plus one
 * "a>b" token for each directional phrase so that swapping its ends changes the token set.
 */
export function contentTokens(prompt: string): string[] {
  const words = normalizePrompt(prompt)
    .replace(/['\u2019]s\b/g, '')
    .split(/[^\p{L}\p{N}+\-*/^=.]+/u)
    .map((w) => w.replace(/^[.-]+|[.-]+$/g, ''))
    .filter(Boolean);
  const tokens: string[] = [];
  let previous: string | null = null;
  let from: string | null = null;
  for (const w of words) {
    if (DIRECTIONAL.has(w)) {
      from = previous;
      continue;
    }
    if (STOPWORDS.has(w)) continue;
    const t = stem(w);
    if (from) tokens.push(`${from}>${t}`);
    from = null;
    tokens.push(t);
    previous = t;
  }
  return [...new Set(tokens)];
}

export const sha256 = (text: string) => createHash('sha256').update(text).digest('base64url');
