import { renameSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import { fromPglite } from './client.js';
import { runMigrations } from './migrate.js';
import { templatePath } from './pglite-template.js';

/** Makes the template: a migrated in-memory database, dumped (gzip) to `file`. */
export async function writeTemplate(file = templatePath): Promise<number> {
  const client = await PGlite.create();
  try {
    const database = fromPglite(client);
    await runMigrations(database);
    await client.exec('checkpoint');
    const dump = await client.dumpDataDir('gzip');
    const bytes = Buffer.from(await dump.arrayBuffer());
    // Written aside and renamed: a reader never sees half a file.
    writeFileSync(`${file}.tmp`, bytes);
    renameSync(`${file}.tmp`, file);
    return bytes.length;
  } finally {
    await client.close();
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const size = await writeTemplate();
  process.stdout.write(`pocketllm: embedded database template written (${Math.round(size / 1024)} KB)\n`);
}
