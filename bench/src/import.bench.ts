/**
 * Issue 11: importing a 50 MB ChatGPT export. A real server process (embedded PGlite, and PostgreSQL when
 * BENCH_PG_URL answers) receives a generated conversations.json streamed from disk, then imports it as a
 * job; its RSS is sampled every 10 ms from before the upload to the job's end. Prints the upload and import
 * times, the peak RSS growth over the idle server (target ≤ 100 MB) and the load average.
 *
 *   BENCH_IMPORT_MB=50 BENCH_PG_URL=postgres://postgres@127.0.0.1:5432/postgres \
 *     node --conditions=pocketllm-source --import tsx bench/src/import.bench.ts
 */
import { randomBytes } from 'node:crypto';
import { createReadStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import http from 'node:http';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { writeChatgptExport } from '../../server/test/helpers/chatgpt-export.js';
import { logLine, r2, rssMb, startSourceServer } from './lib.js';

const MB = Number(process.env.BENCH_IMPORT_MB ?? 50);
const PORT = Number(process.env.BENCH_PORT ?? 19_310);
const pgUrl = process.env.BENCH_PG_URL ?? '';
const log = logLine(52);

async function pgAnswers(): Promise<boolean> {
  if (!pgUrl) return false;
  const c = new pg.Client({ connectionString: pgUrl });
  try {
    await c.connect();
    await c.end();
    return true;
  } catch {
    return false;
  }
}

const startServer = (dataDir: string, env: Record<string, string>) =>
  startSourceServer(
    {
      DATA_DIR: dataDir,
      JOB_POLL_INTERVAL_MS: '100',
      JWT_SECRET: 'bench-jwt-secret-that-is-long-enough-0123456789',
      ENCRYPTION_KEY: 'bench-encryption-key-that-is-long-enough-01',
      ...env,
    },
    PORT,
  );

/** Streams `file` as a multipart upload to POST /v1/chats/import; the client holds one chunk at a time. */
function upload(token: string, file: string): Promise<{ status: number; body: string }> {
  const boundary = `bench${randomBytes(6).toString('hex')}`;
  const head = Buffer.from(
    `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="conversations.json"\r\n` +
      'Content-Type: application/json\r\n\r\n',
  );
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port: PORT,
        method: 'POST',
        path: '/v1/chats/import',
        headers: {
          authorization: `Bearer ${token}`,
          'content-type': `multipart/form-data; boundary=${boundary}`,
          'content-length': head.length + statSync(file).size + tail.length,
        },
      },
      (res) => {
        let body = '';
        res.on('data', (d) => {
          body += String(d);
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('error', reject);
    req.write(head);
    const src = createReadStream(file);
    src.pipe(req, { end: false });
    src.on('end', () => req.end(tail));
    src.on('error', reject);
  });
}

async function run(engine: 'pglite' | 'postgres', file: string) {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'pocketllm-import-bench-'));
  let env: Record<string, string> = {};
  let drop = async () => {};
  if (engine === 'postgres') {
    const name = `pocketllm_import_bench_${randomBytes(4).toString('hex')}`;
    const admin = new pg.Client({ connectionString: pgUrl });
    await admin.connect();
    await admin.query(`create database ${name}`);
    await admin.end();
    const url = new URL(pgUrl);
    url.pathname = `/${name}`;
    env = { DATABASE_URL: url.toString() };
    drop = async () => {
      const a = new pg.Client({ connectionString: pgUrl });
      await a.connect();
      await a.query(`drop database if exists ${name} with (force)`);
      await a.end();
    };
  }
  const server = await startServer(dataDir, env);
  const pid = server.pid ?? 0;
  try {
    const reg = await fetch(`http://127.0.0.1:${PORT}/v1/auth/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'import-bench@example.com', password: 'bench password 123' }),
    });
    const { access_token: token } = (await reg.json()) as { access_token: string };
    await new Promise((r) => setTimeout(r, 1000));
    const idle = rssMb(pid);
    let peak = idle;
    const sampler = setInterval(() => {
      peak = Math.max(peak, rssMb(pid));
    }, 10);
    const t0 = performance.now();
    const res = await upload(token, file);
    const uploaded = performance.now();
    if (res.status !== 202) throw new Error(`upload answered ${res.status}: ${res.body}`);
    const { job_id: jobId } = JSON.parse(res.body) as { job_id: string };
    let job: { status: string; output_data: Record<string, number> | null; error_log: string | null };
    for (;;) {
      const r = await fetch(`http://127.0.0.1:${PORT}/v1/jobs/${jobId}?wait=5`, {
        headers: { authorization: `Bearer ${token}` },
      });
      job = (await r.json()) as typeof job;
      if (['completed', 'failed', 'cancelled'].includes(job.status)) break;
    }
    const done = performance.now();
    clearInterval(sampler);
    if (job.status !== 'completed') throw new Error(`import ${job.status}: ${job.error_log}`);
    log(`${engine}: conversations / messages imported`, [
      job.output_data?.imported,
      job.output_data?.messages,
    ]);
    log(`${engine}: upload (s) / import job (s) / total (s)`, [
      Math.round((uploaded - t0) / 100) / 10,
      Math.round((done - uploaded) / 100) / 10,
      Math.round((done - t0) / 100) / 10,
    ]);
    log(`${engine}: RSS idle / peak / growth (MB; target growth ≤ 100)`, [
      idle,
      peak,
      Math.round((peak - idle) * 10) / 10,
    ]);
    log(`${engine}: load average (1, 5, 15 min) at the end`, loadavg().map(r2));
  } finally {
    server.kill('SIGTERM');
    await new Promise((r) => server.once('exit', r));
    rmSync(dataDir, { recursive: true, force: true });
    await drop();
  }
}

const dir = mkdtempSync(path.join(tmpdir(), 'pocketllm-import-file-'));
const file = path.join(dir, 'conversations.json');
try {
  const made = await writeChatgptExport(file, MB * 1024 * 1024);
  log('generated ChatGPT export (MB, conversations)', [
    Math.round(made.bytes / 1024 / 1024),
    made.conversations,
  ]);
  log('load average (1, 5, 15 min) at the start', loadavg().map(r2));
  await run('pglite', file);
  if (await pgAnswers()) await run('postgres', file);
  else log('postgres', 'skipped: BENCH_PG_URL unset or not answering');
} finally {
  rmSync(dir, { recursive: true, force: true });
}
