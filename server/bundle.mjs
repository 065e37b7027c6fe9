#!/usr/bin/env node
// The server's start-up file: esbuild bundles src/main.ts with the code it imports (the server's own modules,
// contracts and the pure-JS dependencies) into dist/main.js (over the file tsc wrote there) and dist/chunks/.
// A restart then reads and compiles a few files instead of resolving and loading ~600 modules, which was most of
// its time. What main.ts imports dynamically stays a chunk of its own, loaded on first use. The rest of dist/
// (tsc's output) is still what tests, the backup CLI and the template maker run. Run by the server's build.
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { build, transform } from 'esbuild';

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

// V8 keeps every script's source for the life of the process: at one byte a character when all of them are
// Latin-1, else at two. esbuild escapes strings to ASCII but keeps comments as they were, and some of the
// dependencies' comments hold a ’ or a →: that doubled the app chunk's 2 MB in the heap. Such a character in
// a comment becomes an ASCII stand-in of the same UTF-16 length, so every column of the source map still
// holds. A file whose code is not the same after it (with comments dropped: a regular expression held such a
// character) is left as it was, and the build says which.
const STAND_IN = { '‘': "'", '’': "'", '“': '"', '”': '"', '–': '-', '—': '-', '→': '>', '←': '<' };
const NOT_LATIN1 = /[\u0100-\u{10ffff}]/gu;
const hasNonLatin1 = (text) => /[\u0100-\u{10ffff}]/u.test(text);
const codeOnly = async (text) => (await transform(text, { minifyWhitespace: true, charset: 'utf8' })).code;
for (const file of Object.keys(result.metafile.outputs).filter((f) => f.endsWith('.js'))) {
  const text = readFileSync(file, 'utf8');
  if (!hasNonLatin1(text)) continue;
  const latin1 = text.replace(NOT_LATIN1, (c) => STAND_IN[c] ?? '?'.repeat(c.length));
  if ((await codeOnly(latin1)) === (await codeOnly(text))) writeFileSync(file, latin1);
  else
    console.warn(
      `bundle: ${file} keeps non-Latin-1 characters outside comments; V8 holds it at two bytes a character`,
    );
}

// Chunk names carry a content hash. The last build's chunks are removed only after the new ones are written,
// and only those this build did not write again: a server starting during a rebuild still finds its files.
const written = new Set(Object.keys(result.metafile.outputs).map((f) => path.resolve(f)));
mkdirSync('dist/chunks', { recursive: true });
for (const name of readdirSync('dist/chunks')) {
  const file = path.resolve('dist/chunks', name);
  if (!written.has(file)) rmSync(file, { force: true });
}
