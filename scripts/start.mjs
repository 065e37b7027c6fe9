#!/usr/bin/env node
// `npm start` (and `npm run backup|restore`): build only if the sources are newer than the build, then run
// the server (or the backup CLI) in this same process, so a signal sent to npm's child reaches the server.
import { build, staleReason } from './build.mjs';

const reason = staleReason();
if (reason) {
  process.stderr.write(`pocketllm: building first (${reason})\n`);
  build();
}
const command = process.argv[2];
await import(
  command === 'backup' || command === 'restore' ? '../server/dist/backup/cli.js' : '../server/dist/main.js'
);
