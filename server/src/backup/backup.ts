import { createHash, randomBytes } from 'node:crypto';
import { type Dirent, existsSync } from 'node:fs';
import { type FileHandle, mkdir, open, readdir, readFile, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { PGlite } from '@electric-sql/pglite';
import { z } from 'zod';
import { ArchiveError, ArchiveWriter, readArchive } from './archive.js';
import { pendingRestorePath } from './paths.js';

// One archive = the embedded database (PGlite's dump of its data directory) + DATA_DIR/files, with a header
// saying what it is first and a manifest of every entry's size and sha256 last.

export const FORMAT = 'pocketllm-backup';
const HEADER = 'pocketllm-backup.json';
const MANIFEST = 'manifest.json';
const DATABASE = 'database/pgdata.tar';

const headerSchema = z.object({
  format: z.literal(FORMAT),
  version: z.literal(1),
  created_at: z.string(),
  engine: z.literal('pglite'),
  /** SecretBox key id of the ENCRYPTION_KEY that sealed the provider keys inside (never the key). */
  key_id: z.string(),
  app_version: z.string(),
});
const manifestSchema = z.object({
  format: z.literal(FORMAT),
  entries: z.array(z.object({ name: z.string(), size: z.number().int(), sha256: z.string() })),
});
export type BackupHeader = z.infer<typeof headerSchema>;

export interface BackupSource {
  dumpDataDir: () => Promise<Blob>;
  filesDir: string;
  keyId: string;
  appVersion: string;
}

async function* walk(dir: string, rel = ''): AsyncGenerator<string> {
  let items: Dirent[];
  try {
    items = await readdir(path.join(dir, rel), { withFileTypes: true });
  } catch (err) {
    if (err instanceof Error && 'code' in err && err.code === 'ENOENT') return;
    throw err;
  }
  for (const item of items.sort((a, b) => a.name.localeCompare(b.name))) {
    const child = rel ? `${rel}/${item.name}` : item.name;
    if (item.isDirectory()) yield* walk(dir, child);
    else if (item.isFile() && !item.name.endsWith('.partial')) yield child;
  }
}

async function* bytesOf(stream: ReadableStream<Uint8Array>): AsyncGenerator<Buffer> {
  for await (const chunk of stream) yield Buffer.from(chunk);
}

/** Streams a backup archive into `out` (gzip). Files are read through an open descriptor, so one replaced
 * meanwhile is archived whole (old or new); one deleted meanwhile is left out. */
export async function writeBackup(src: BackupSource, out: Writable): Promise<void> {
  const archive = new ArchiveWriter(out);
  const entries: { name: string; size: number; sha256: string }[] = [];
  const add = async (name: string, size: number, content: Buffer | AsyncIterable<Buffer>) => {
    entries.push({ name, size, sha256: await archive.add(name, size, content) });
  };
  const header: BackupHeader = {
    format: FORMAT,
    version: 1,
    created_at: new Date().toISOString(),
    engine: 'pglite',
    key_id: src.keyId,
    app_version: src.appVersion,
  };
  const headerBytes = Buffer.from(JSON.stringify(header, null, 2));
  await add(HEADER, headerBytes.length, headerBytes);
  const dump = await src.dumpDataDir();
  await add(DATABASE, dump.size, bytesOf(dump.stream()));
  for await (const rel of walk(src.filesDir)) {
    let handle: FileHandle;
    try {
      handle = await open(path.join(src.filesDir, rel), 'r');
    } catch {
      continue; // deleted since it was listed
    }
    try {
      const { size } = await handle.stat();
      await add(`files/${rel}`, size, handle.createReadStream({ autoClose: false }));
    } finally {
      await handle.close();
    }
  }
  const manifest = Buffer.from(JSON.stringify({ format: FORMAT, entries }, null, 2));
  await archive.add(MANIFEST, manifest.length, manifest);
  await archive.finish();
}

export interface CheckedBackup {
  header: BackupHeader;
  users: number;
  files: number;
  /** The unpacked, checked archive (database/pgdata.tar and files/). */
  dir: string;
}

const notOurs = (why: string) =>
  new ArchiveError(`This is not a PocketLLM backup (${why}); nothing was changed.`);

/**
 * Unpacks `source` into a new folder under `workDir` and checks it: PocketLLM header first, every entry's size
 * and sha256 against the manifest, the same ENCRYPTION_KEY, and that the database opens. On any failure the
 * folder is removed and an ArchiveError says why; the current data is never touched here.
 */
export async function checkBackup(source: Readable, workDir: string, keyId: string): Promise<CheckedBackup> {
  const dir = path.join(workDir, `.restore-${randomBytes(6).toString('hex')}`);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  try {
    const seen = new Map<string, { size: number; sha256: string }>();
    let header: BackupHeader | undefined;
    let manifest: z.infer<typeof manifestSchema> | undefined;
    try {
      for await (const entry of readArchive(source)) {
        if (manifest) throw new ArchiveError('the archive has entries after its manifest');
        if (!header && entry.name !== HEADER) throw notOurs(`it starts with ${entry.name}`);
        if (entry.name === HEADER || entry.name === MANIFEST) {
          if (entry.size > 1024 * 1024) throw notOurs(`${entry.name} is too large`);
          const parts: Buffer[] = [];
          for await (const c of entry.chunks) parts.push(c);
          const bytes = Buffer.concat(parts);
          const parsed = parseJson(bytes, entry.name === HEADER ? headerSchema : manifestSchema);
          if (!parsed) throw notOurs(`its ${entry.name} is not one PocketLLM writes`);
          if (entry.name === HEADER) {
            header = headerSchema.parse(parsed);
            seen.set(HEADER, { size: bytes.length, sha256: sha256(bytes) });
          } else manifest = manifestSchema.parse(parsed);
          continue;
        }
        if (entry.name !== DATABASE && !entry.name.startsWith('files/'))
          throw new ArchiveError(`unexpected entry in the archive: ${entry.name}`);
        seen.set(entry.name, await store(entry, path.join(dir, entry.name)));
      }
    } catch (err) {
      if (err instanceof ArchiveError) throw err;
      // Not even a readable first entry (not gzip, not tar): someone else's file, not a damaged backup.
      if (!header) throw notOurs(err instanceof Error ? err.message : String(err));
      throw new ArchiveError(
        `The archive is damaged (${err instanceof Error ? err.message : String(err)}); nothing was changed.`,
      );
    }
    if (!header) throw notOurs('it is empty');
    if (!manifest)
      throw new ArchiveError(
        'The archive is damaged (its manifest is missing: cut short?); nothing was changed.',
      );
    const listed = new Set(manifest.entries.map((e) => e.name));
    for (const e of manifest.entries) {
      const got = seen.get(e.name);
      if (!got) throw new ArchiveError(`The archive is damaged (${e.name} is missing); nothing was changed.`);
      if (got.size !== e.size || got.sha256 !== e.sha256)
        throw new ArchiveError(
          `The archive is damaged (${e.name} does not match its checksum); nothing was changed.`,
        );
    }
    for (const name of seen.keys()) {
      if (!listed.has(name))
        throw new ArchiveError(
          `The archive is damaged (${name} is not in its manifest); nothing was changed.`,
        );
    }
    if (!seen.has(DATABASE)) throw new ArchiveError('The archive holds no database; nothing was changed.');
    if (header.key_id !== keyId) {
      throw new ArchiveError(
        `This backup was made with another ENCRYPTION_KEY (key id ${header.key_id}; this server's is ${keyId}). ` +
          'Start with the key it was made with (or its DATA_DIR/secrets.json), then restore again; nothing was changed.',
      );
    }
    const users = await countUsers(path.join(dir, DATABASE));
    const files = [...seen.keys()].filter((n) => n.startsWith('files/')).length;
    return { header, users, files, dir };
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
}

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

function parseJson(bytes: Buffer, schema: z.ZodType): unknown {
  try {
    const parsed = schema.safeParse(JSON.parse(bytes.toString('utf8')));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

async function store(entry: { size: number; chunks: AsyncIterable<Buffer> }, file: string) {
  await mkdir(path.dirname(file), { recursive: true });
  const handle = await open(file, 'wx', 0o600);
  const hash = createHash('sha256');
  let size = 0;
  try {
    for await (const chunk of entry.chunks) {
      hash.update(chunk);
      size += chunk.length;
      await handle.write(chunk);
    }
  } finally {
    await handle.close();
  }
  return { size, sha256: hash.digest('hex') };
}

async function countUsers(dumpFile: string): Promise<number> {
  let client: PGlite | undefined;
  try {
    client = await PGlite.create({ loadDataDir: new Blob([await readFile(dumpFile)]) });
    const res = await client.query<{ n: number }>('select count(*)::int as n from users');
    return res.rows[0]?.n ?? 0;
  } catch (err) {
    throw new ArchiveError(
      `The archive's database does not open (${err instanceof Error ? err.message : String(err)}); nothing was changed.`,
    );
  } finally {
    await client?.close().catch(() => {});
  }
}

/** Keeps a checked archive for the next start (the running server keeps its database open meanwhile). */
export async function stageRestore(checked: CheckedBackup, dataDir: string): Promise<void> {
  const pending = pendingRestorePath(dataDir);
  await rm(pending, { recursive: true, force: true });
  await rename(checked.dir, pending);
}

/**
 * Replaces DATA_DIR/db and DATA_DIR/files with a checked archive's, on a stopped server. The data it
 * replaces is moved aside to DATA_DIR/pre-restore-<time>/, and moved back if anything fails.
 * @returns the folder holding the replaced data
 */
export async function applyRestore(unpacked: string, dataDir: string): Promise<string> {
  const freshDb = path.join(dataDir, `.db-restoring-${randomBytes(4).toString('hex')}`);
  const client = await PGlite.create(freshDb, {
    loadDataDir: new Blob([await readFile(path.join(unpacked, DATABASE))]),
  });
  await client.close();
  const aside = path.join(dataDir, `pre-restore-${new Date().toISOString().replace(/[:.]/g, '-')}`);
  await mkdir(aside, { recursive: true });
  const moves: [string, string][] = [];
  const move = async (from: string, to: string) => {
    await rename(from, to);
    moves.push([from, to]);
  };
  try {
    for (const part of ['db', 'files']) {
      if (existsSync(path.join(dataDir, part))) await move(path.join(dataDir, part), path.join(aside, part));
    }
    await move(freshDb, path.join(dataDir, 'db'));
    const files = path.join(unpacked, 'files');
    if (existsSync(files)) await move(files, path.join(dataDir, 'files'));
    else await mkdir(path.join(dataDir, 'files'), { recursive: true });
  } catch (err) {
    for (const [from, to] of moves.reverse()) await rename(to, from).catch(() => {});
    await rm(freshDb, { recursive: true, force: true });
    throw err;
  }
  await rm(unpacked, { recursive: true, force: true });
  return aside;
}
