#!/usr/bin/env node
// The server's start-up file: esbuild bundles src/main.ts with the code it imports (the server's own modules,
// contracts and the pure-JS dependencies) into dist/main.js (over the file tsc wrote there) and dist/chunks/.
// A restart then reads and compiles a few files instead of resolving and loading ~600 modules, which was most of
// its time. What main.ts imports dynamically stays a chunk of its own, loaded on first use. The rest of dist/
// (tsc's output) is still what tests, the backup CLI and the template maker run. Run by the server's build.
import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { build } from 'esbuild';

// Left to node_modules: packages that load files beside themselves (WASM, native addons, worker scripts,
// static assets, their own package.json), and large ones only rarely used paths import.
const external = [
  '@electric-sql/pglite',
  '@node-rs/argon2',
  'node-llama-cpp',
  'pino',
  'pino-pretty',
  'thread-stream',
  'pg',
  'pg-native',
  'ioredis',
  '@fastify/swagger',
  '@fastify/swagger-ui',
  'unpdf',
  // Required by Fastify only when it is given no compilers (app.ts gives the zod ones) or for inject() (tests,
  // the /docs relay); of fast-json-stringify its error serializer loads the one small lib/serializer.js. In the
  // bundle they were a sixth of the code compiled at every start, and never ran.
  '@fastify/ajv-compiler',
  '@fastify/fast-json-stringify-compiler',
  'fast-json-stringify',
  'light-my-request',
];

const result = await build({
  entryPoints: ['src/main.ts'],
  outdir: 'dist',
  entryNames: '[name]',
  // What main.ts imports dynamically is a chunk of its own, loaded when first imported: without splitting, an
  // external package imported anywhere (pg, ioredis) became a static import of the one file, loaded at start.
  splitting: true,
  chunkNames: 'chunks/[name]-[hash]',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  sourcemap: true,
  external,
  // The contracts' sources, not their dist: one transpile, the same code.
  conditions: ['pocketllm-source'],
  // CommonJS dependencies inside an ES module bundle call require() for node's own modules.
  banner: {
    js: "import { createRequire as __pocketllmRequire } from 'node:module';\nconst require = __pocketllmRequire(import.meta.url);",
  },
  logLevel: 'warning',
  metafile: true,
  legalComments: 'none',
});

// Chunk names carry a content hash. The last build's chunks are removed only after the new ones are written,
// and only those this build did not write again: a server starting during a rebuild still finds its files.
const written = new Set(Object.keys(result.metafile.outputs).map((f) => path.resolve(f)));
mkdirSync('dist/chunks', { recursive: true });
for (const name of readdirSync('dist/chunks')) {
  const file = path.resolve('dist/chunks', name);
  if (!written.has(file)) rmSync(file, { force: true });
}
