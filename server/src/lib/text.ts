/**
 * Text PostgreSQL can store. It refuses NUL (U+0000) in `text` and `jsonb`, and a lone UTF-16 surrogate
 * (half of a pair, e.g. from a JSON `\ud800` escape) cannot be encoded as UTF-8 at all. Request input with
 * either is refused (plugins/input-guard.ts); provider output is cleaned, since it cannot be refused.
 */

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** Why `s` cannot be stored as text, or null when it can. */
export function unstorableReason(s: string): string | null {
  if (s.includes('\u0000')) return 'must not contain a NUL character (\\u0000)';
  LONE_SURROGATE.lastIndex = 0;
  if (LONE_SURROGATE.test(s)) return 'must not contain an unpaired UTF-16 surrogate';
  return null;
}

/** Provider text made storable: NUL dropped, each lone surrogate replaced by U+FFFD (as a UTF-8 decoder would). */
export function cleanProviderText(s: string): string {
  if (unstorableReason(s) === null) return s;
  return s.replaceAll('\u0000', '').replace(LONE_SURROGATE, '\ufffd');
}

/** How deep request JSON may nest: deeper input is refused before anything recurses into it. */
export const MAX_DEPTH = 64;

/** The first string (or object key) in `value` that cannot be stored, with its dotted path under `root`. */
function isJsonContainer(v: unknown): v is object {
  if (typeof v !== 'object' || v === null || ArrayBuffer.isView(v)) return false;
  return !('pipe' in v && typeof v.pipe === 'function');
}

export function findUnstorable(value: unknown, root: string): { field: string; reason: string } | null {
  // Iterative: a 1 MB body of "[" nests 500k deep, more than any call stack.
  const stack: [unknown, string, number][] = [[value, root, 0]];
  for (let item = stack.pop(); item; item = stack.pop()) {
    const [v, path, depth] = item;
    const name = path || 'body';
    if (typeof v === 'string') {
      const reason = unstorableReason(v);
      if (reason) return { field: name, reason };
      continue;
    }
    // Only parsed input is walked: raw bytes and streamed bodies (a backup archive is a request stream whose
    // fields reach the socket and the server) are not user text.
    if (!isJsonContainer(v)) continue;
    if (depth >= MAX_DEPTH) return { field: name, reason: `must not nest deeper than ${MAX_DEPTH} levels` };
    const entries = Array.isArray(v) ? v.map((x, i): [string, unknown] => [String(i), x]) : Object.entries(v);
    for (const [key] of entries) {
      const keyReason = unstorableReason(key);
      if (keyReason) return { field: name, reason: `keys ${keyReason}` };
    }
    for (const [key, inner] of entries.reverse())
      stack.push([inner, path ? `${path}.${key}` : key, depth + 1]);
  }
  return null;
}
