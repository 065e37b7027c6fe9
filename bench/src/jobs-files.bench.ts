/**
 * Issue 6 measurements. (1) The job queue on PostgreSQL: two workers drain BENCH_JOBS no-op jobs (jobs/s),
 * and the one-statement claim is timed alone (claim latency). (2) Uploads: a real server process receives
 * multipart uploads of 5 MB and 50 MB streamed from a generator; its RSS is sampled every 10 ms, so the
 * peak shows whether memory grows with the file size.
 *
 *   BENCH_PG_URL=postgres://postgres@127.0.0.1:5432/postgres \
 *     node --conditions=pocketllm-source --import tsx bench/src/jobs-files.bench.ts
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import pg from 'pg';
import pino from 'pino';
import { migrationsFolder } from '../../server/src/db/migrate.js';
import { fromPool } from '../../server/src/db/postgres.js';
import { jobs, users } from '../../server/src/db/schema/index.js';
import { claimJobs } from '../../server/src/job-queue/jobs.repository.js';
import { JobQueue } from '../../server/src/job-queue/queue.js';
import { createMemoryBus } from '../../server/src/lib/event-bus.js';
import { newId } from '../../server/src/lib/ids.js';
import { logLine, rssMb, startSourceServer, summarize } from './lib.js';

const JOBS = Number(process.env.BENCH_JOBS ?? 5000);
const CONCURRENCY = Number(process.env.BENCH_JOB_CONCURRENCY ?? 8);
const PORT = Number(process.env.BENCH_PORT ?? 18_091);
const adminUrl = process.env.BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const log = logLine(48);

async function queueBench() {
  const name = `pocketllm_jobs_bench_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`create database ${name}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const pool = new pg.Pool({ connectionString: url.toString(), max: 20 });
  pool.on('error', () => {});
  const database = fromPool(pool);
  try {
    await database.migrate(migrationsFolder);
    const db = database.db;
    const userId = newId();
    await db.insert(users).values({ id: userId, email: 'bench@example.com', passwordHash: 'x' });
    const fill = async (n: number, jobType: string) => {
      for (let i = 0; i < n; i += 1000) {
        const rows = Array.from({ length: Math.min(1000, n - i) }, () => ({ id: newId(), userId, jobType }));
        await db.insert(jobs).values(rows);
      }
    };

    // Claim latency: one claim of one job at a time, on a table holding JOBS pending jobs.
    await fill(JOBS, 'bench.claim');
    const samples: number[] = [];
    for (let i = 0; i < 500; i++) {
      const t0 = performance.now();
      await claimJobs(db, { workerId: 'bench', limit: 1, leaseMs: 60_000, jobTypes: ['bench.claim'] });
      samples.push(performance.now() - t0);
    }
    log('claim latency, 1 job, table of pending (ms)', summarize(samples));

    // Throughput: two workers (as two instances would run) drain JOBS no-op jobs.
    await fill(JOBS, 'bench.noop');
    const bus = createMemoryBus();
    const logger = pino({ level: 'silent' });
    const workers = [0, 1].map(
      () =>
        new JobQueue({
          db,
          bus,
          logger,
          concurrency: CONCURRENCY,
          pollIntervalMs: 100,
          maxAttempts: 3,
          shutdownGraceMs: 1000,
        }),
    );
    let done = 0;
    for (const w of workers) {
      w.register('bench.noop', async () => {
        done += 1;
        return {};
      });
    }
    const t0 = performance.now();
    for (const w of workers) w.start();
    while (done < JOBS) await new Promise((r) => setTimeout(r, 5));
    const seconds = (performance.now() - t0) / 1000;
    for (const w of workers) await w.stop();
    const [left] = await db
      .select({ n: sql<number>`count(*)::int` })
      .from(jobs)
      .where(sql`${jobs.jobType} = 'bench.noop' and ${jobs.status} <> 'completed'`);
    log(`queue throughput, 2 workers x ${CONCURRENCY} (jobs/s)`, Math.round(JOBS / seconds));
    log('jobs not completed / runs counted', [left?.n, done]);
  } finally {
    await database.close();
    await admin.query(`drop database ${name} with (force)`);
    await admin.end();
  }
}

async function startServer(dataDir: string) {
  const child = await startSourceServer({ DATA_DIR: dataDir, MAX_UPLOAD_MB: '200' }, PORT);
  return { pid: child.pid ?? 0, child };
}

/** Streams a multipart upload of `bytes` generated on the fly (the client holds 64 KB at a time). */
function upload(token: string, bytes: number): Promise<number> {
  const boundary = `bench${randomBytes(6).toString('hex')}`;
  const head = Buffer.from(
    `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.bin"\r\n` +
      'Content-Type: application/octet-stream\r\n\r\n',
  );
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  const chunk = randomBytes(64 * 1024);
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port: PORT,
        method: 'POST',
        path: '/v1/files',
        headers: {
          authorization: `Bearer ${token}`,
          'content-type': `multipart/form-data; boundary=${boundary}`,
          'content-length': head.length + bytes + tail.length,
        },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.write(head);
    let sent = 0;
    const pump = () => {
      while (sent < bytes) {
        const piece = chunk.subarray(0, Math.min(chunk.length, bytes - sent));
        sent += piece.length;
        if (!req.write(piece)) return void req.once('drain', pump);
      }
      req.end(tail);
    };
    pump();
  });
}

async function uploadBench() {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'pocketllm-upload-bench-'));
  const server = await startServer(dataDir);
  try {
    const reg = await fetch(`http://127.0.0.1:${PORT}/v1/auth/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'upload-bench@example.com', password: 'bench password 123' }),
    });
    const { access_token: token } = (await reg.json()) as { access_token: string };
    await upload(token, 1024 * 1024); // warm-up
    await new Promise((r) => setTimeout(r, 500));
    log('server RSS before uploads (MB)', rssMb(server.pid));
    for (const mb of [5, 50, 50]) {
      let peak = 0;
      const sampler = setInterval(() => {
        peak = Math.max(peak, rssMb(server.pid));
      }, 10);
      const t0 = performance.now();
      const status = await upload(token, mb * 1024 * 1024);
      const seconds = (performance.now() - t0) / 1000;
      clearInterval(sampler);
      log(`upload ${mb} MB: status, MB/s, peak server RSS (MB)`, [status, Math.round(mb / seconds), peak]);
    }
  } finally {
    server.child.kill('SIGTERM');
    await new Promise((r) => server.child.once('exit', r));
    rmSync(dataDir, { recursive: true, force: true });
  }
}

await queueBench();
await uploadBench();
