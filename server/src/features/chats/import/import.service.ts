import type { Readable } from 'node:stream';
import { CHAT_IMPORT_JOB, type ImportAccepted, type ImportProgress } from '@pocketllm/contracts';
import { z } from 'zod';
import type { Db } from '../../../db/client.js';
import { AppError } from '../../../errors.js';
import { recordProgress } from '../../../job-queue/jobs.repository.js';
import { type JobQueue, type JobRun, PermanentJobError } from '../../../job-queue/queue.js';
import type { DomainEvents } from '../../../lib/domain-events.js';
import { newId } from '../../../lib/ids.js';
import type { FileStore } from '../../../storage/file-store.js';
import { fromChatgpt } from './chatgpt.js';
import { insertImportedChat } from './import.repository.js';
import type { ImportedChat } from './imported-chat.js';
import { fromPocketllm } from './pocketllm.js';
import { MalformedExport, readExport } from './read-export.js';

/** How often a running import writes its progress to the job. */
const PROGRESS_EVERY_MS = 500;

const importInput = z.object({ path: z.string().startsWith('private/imports/'), size: z.number().int() });
const importsOf = (userId: string) => `private/imports/${userId}`;

export interface ImportDeps {
  db: Db;
  store: FileStore;
  queue: JobQueue;
  events: DomainEvents;
  maxBytes: number;
}

export function createImportService(deps: ImportDeps) {
  const { db, store, queue } = deps;

  async function runImport({ job, signal }: JobRun): Promise<Record<string, unknown>> {
    const input = importInput.safeParse(job.inputData);
    if (!input.success) throw new PermanentJobError('the job input is not a chat import');
    const { path, size } = input.data;
    const open = async () => {
      const opened = await store.open(path);
      if (!opened) throw new PermanentJobError('the uploaded file is gone; upload it again');
      return opened.stream;
    };
    const progress: ImportProgress = {
      format: null,
      bytes_read: 0,
      bytes_total: size,
      percent: 0,
      conversations: 0,
      imported: 0,
      skipped: 0,
      messages: 0,
    };
    let lastWrite = Date.now();
    const finalAttempt = job.attempts >= job.maxAttempts;
    try {
      const { format, entries } = await readExport(open, signal);
      progress.format = format;
      for await (const entry of entries) {
        let chat: ImportedChat;
        try {
          chat = format === 'chatgpt' ? fromChatgpt(entry.value) : fromPocketllm(entry.value);
        } catch (err) {
          const what = err instanceof z.ZodError ? z.prettifyError(err).replaceAll('\n', ' ') : String(err);
          throw new MalformedExport(
            `conversation ${entry.index + 1} is not a ${format} conversation: ${what}`,
          );
        }
        const stored = await insertImportedChat(db, job.userId, chat);
        progress.conversations += 1;
        if (stored === null) progress.skipped += 1;
        else {
          progress.imported += 1;
          progress.messages += stored;
        }
        progress.bytes_read = Math.min(entry.bytesRead, size);
        progress.percent = size > 0 ? Math.floor((progress.bytes_read / size) * 1000) / 10 : 100;
        if (Date.now() - lastWrite >= PROGRESS_EVERY_MS) {
          lastWrite = Date.now();
          await recordProgress(db, job.id, job.lockedBy ?? '', { ...progress });
        }
      }
    } catch (err) {
      const permanent = err instanceof MalformedExport || err instanceof PermanentJobError;
      if (permanent || finalAttempt) await store.delete(path);
      if (err instanceof MalformedExport) throw new PermanentJobError(err.message, { cause: err });
      throw err;
    }
    await store.delete(path);
    return { ...progress, bytes_read: size, percent: 100 };
  }

  queue.register(CHAT_IMPORT_JOB, runImport);
  // Uploads waiting for their job go with the account.
  deps.events.on('account.deleted', ({ userId }) => store.deletePrefix(importsOf(userId)));

  return {
    /**
     * Streams an upload to disk and queues its import.
     * @throws payload_too_large past MAX_IMPORT_MB
     */
    async upload(userId: string, source: Readable): Promise<ImportAccepted> {
      const path = `${importsOf(userId)}/${newId()}.json`;
      const stored = await store.put(path, source, { maxBytes: deps.maxBytes });
      if (stored.size === 0) {
        await store.delete(path);
        throw new AppError('validation_error', 'file: the file is empty', { details: { field: 'file' } });
      }
      try {
        const job = await queue.enqueue(userId, CHAT_IMPORT_JOB, { path, size: stored.size });
        return { job_id: job.id, status: job.status };
      } catch (err) {
        await store.delete(path);
        throw err;
      }
    },
  };
}

export type ImportService = ReturnType<typeof createImportService>;
