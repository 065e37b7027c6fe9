import { Writable } from 'node:stream';

// For a person at a terminal: one readable line per entry instead of JSON. Machines (stdout not a TTY:
// containers, systemd, files) keep getting JSON, which is what log collectors parse.

const LEVELS: Record<number, [string, string]> = {
  10: ['TRACE', '\x1b[90m'],
  20: ['DEBUG', '\x1b[36m'],
  30: ['INFO ', '\x1b[32m'],
  40: ['WARN ', '\x1b[33m'],
  50: ['ERROR', '\x1b[31m'],
  60: ['FATAL', '\x1b[35m'],
};
const RESET = '\x1b[0m';
const DIM = '\x1b[2m';
const SKIP = new Set(['level', 'time', 'msg', 'service', 'err', 'pid', 'hostname']);

function value(v: unknown): string {
  if (typeof v === 'string') return /\s/.test(v) ? JSON.stringify(v) : v;
  return JSON.stringify(v);
}

/** Formats one pino JSON line; anything that is not JSON passes through unchanged. */
export function prettyLine(line: string, color: boolean): string {
  let entry: Record<string, unknown>;
  try {
    const parsed: unknown = JSON.parse(line);
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return line;
    entry = Object.fromEntries(Object.entries(parsed));
  } catch {
    return line;
  }
  const [name, tint] = LEVELS[Number(entry.level)] ?? ['LOG  ', ''];
  const time = typeof entry.time === 'string' ? entry.time.slice(11, 23) : '';
  const fields = Object.entries(entry)
    .filter(([k, v]) => !SKIP.has(k) && v !== undefined)
    .map(([k, v]) => `${k}=${value(v)}`)
    .join(' ');
  const err = entry.err;
  const stack =
    err && typeof err === 'object' && 'stack' in err && typeof err.stack === 'string'
      ? `\n  ${err.stack.replaceAll('\n', '\n  ')}`
      : '';
  const c = (code: string, text: string) => (color ? `${code}${text}${RESET}` : text);
  return `${c(DIM, time)} ${c(tint, name)} ${String(entry.msg ?? '')}${fields ? ` ${c(DIM, fields)}` : ''}${stack}`;
}

/** A pino destination that writes pretty lines to `out` (pino writes one whole line per write). */
export function prettyStream(out: NodeJS.WriteStream, color = out.isTTY === true): Writable {
  return new Writable({
    write(chunk, _enc, cb) {
      const text = String(chunk);
      const lines = text.split('\n').filter(Boolean);
      out.write(`${lines.map((l) => prettyLine(l, color)).join('\n')}\n`, cb);
    },
  });
}
