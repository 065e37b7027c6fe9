import { type Duplex, pipeline, type Readable, Transform } from 'node:stream';
import pick from 'stream-json/filters/pick.js';
import streamArray from 'stream-json/streamers/stream-array.js';

export type ExportFormat = 'chatgpt' | 'pocketllm';
export type OpenFile = () => Promise<Readable>;

/** Why a file cannot be imported: the job fails with this message and is not retried. */
export class MalformedExport extends Error {
  override name = 'MalformedExport';
}

const HEAD_BYTES = 4096;
/** One conversation is assembled in memory: a bigger one is refused instead of growing the process. */
export const MAX_ENTRY_BYTES = 64 * 1024 * 1024;

async function readHead(open: OpenFile): Promise<string> {
  const stream = await open();
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      chunks.push(chunk);
      size += chunk.length;
      if (size >= HEAD_BYTES) break;
    }
  } finally {
    stream.destroy();
  }
  return Buffer.concat(chunks).subarray(0, HEAD_BYTES).toString('utf8');
}

/** The first non-blank character tells the formats apart: ChatGPT's is an array, ours an object. */
async function detectFormat(open: OpenFile): Promise<ExportFormat> {
  // A UTF-8 byte order mark is allowed before the JSON.
  const head = (await readHead(open)).replace(/^\ufeff/, '').trimStart();
  if (head.startsWith('[')) return 'chatgpt';
  // Our export starts with its `exported_at` (features/users/user-export.ts); another object is not one.
  if (head.startsWith('{') && head.includes('"exported_at"')) return 'pocketllm';
  throw new MalformedExport(
    head === ''
      ? 'the file is empty'
      : 'the file is neither a ChatGPT conversations.json (a JSON array) nor a PocketLLM export (an object with exported_at and chats)',
  );
}

export interface ExportEntry {
  index: number;
  value: unknown;
  /** Bytes of the file read so far (the parser reads a little ahead of the entry). */
  bytesRead: number;
}

/** An error of the disk or of an abort (then the job is tried again), not of the file's content. */
const isSystemError = (err: unknown) => err instanceof Error && 'code' in err && typeof err.code === 'string';

/**
 * Streams the conversations of an export, one assembled entry at a time: the whole array is never in
 * memory, only the entry being read. A JSON error is a MalformedExport naming the entry it was in.
 */
export async function readExport(
  open: OpenFile,
  signal: AbortSignal,
  maxEntryBytes = MAX_ENTRY_BYTES,
): Promise<{ format: ExportFormat; entries: AsyncGenerator<ExportEntry> }> {
  const format = await detectFormat(open);
  const file = await open();
  let bytesRead = 0;
  let entryStart = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _enc, done) {
      bytesRead += chunk.length;
      if (bytesRead - entryStart > maxEntryBytes) {
        const mb = Math.round((maxEntryBytes / 1024 / 1024) * 100) / 100;
        return done(new MalformedExport(`a conversation of the file is larger than ${mb} MB`));
      }
      done(null, chunk);
    },
  });
  // An error also ends the iteration below; the callbacks only keep it from going unhandled.
  const out: Duplex =
    format === 'chatgpt'
      ? pipeline(file, counter, streamArray.withParserAsStream(), () => {})
      : pipeline(
          file,
          counter,
          pick.withParserAsStream({ filter: 'chats', once: true }),
          streamArray.asStream(),
          () => {},
        );
  const abort = () => out.destroy(signal.reason instanceof Error ? signal.reason : new Error('aborted'));
  signal.addEventListener('abort', abort, { once: true });
  async function* entries(): AsyncGenerator<ExportEntry> {
    let index = 0;
    try {
      for await (const item of out as AsyncIterable<{ key: number; value: unknown }>) {
        index = item.key + 1;
        entryStart = bytesRead;
        yield { index: item.key, value: item.value, bytesRead };
      }
    } catch (err) {
      if (signal.aborted || isSystemError(err) || err instanceof MalformedExport) throw err;
      const reason = err instanceof Error ? err.message : String(err);
      throw new MalformedExport(`the file is not valid JSON (after ${index} whole conversations): ${reason}`);
    } finally {
      signal.removeEventListener('abort', abort);
      out.destroy();
    }
  }
  return { format, entries: entries() };
}
