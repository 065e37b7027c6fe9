import { Writable } from 'node:stream';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTestDatabase } from '../../test/helpers/test-db.js';
import type { Database } from '../db/client.js';
import { users } from '../db/schema/index.js';
import { AppError } from '../errors.js';
import { createLogger } from './logger.js';

let database: Database;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(() => database.close());

function capture() {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk, _enc, cb) {
      lines.push(String(chunk));
      cb();
    },
  });
  return { logger: createLogger('info', sink), lines };
}

async function failure(run: () => Promise<unknown>): Promise<unknown> {
  try {
    await run();
  } catch (err) {
    return err;
  }
  throw new Error('expected the query to fail');
}

it('logs a failed query by its statement and error code, never its parameters', async () => {
  const secret = 'private user text 7c1f';
  const err = await failure(() => database.db.execute(sql`select ${secret}::uuid as id`));
  const { logger, lines } = capture();
  logger.error({ err }, 'request failed');
  const line = lines.join('');
  expect(line).not.toContain(secret);
  expect(line).not.toContain('7c1f');
  const logged = JSON.parse(line).err;
  expect(logged.query).toContain('::uuid');
  expect(logged.message).toMatch(/^Failed query: select \$1::uuid/);
  expect(logged.db).toMatchObject({ code: '22P02' });
  expect(logged.db.message).toContain('invalid input syntax for type uuid');
  expect(logged.stack).toContain(' at ');
});

it('leaves out the row values a constraint error quotes in its detail, also when wrapped', async () => {
  const email = 'someone-private@example.com';
  const row = { email, passwordHash: 'x', role: 'user' as const };
  await database.db.insert(users).values(row);
  const dup = await failure(() => database.db.insert(users).values(row));
  const { logger, lines } = capture();
  logger.error({ err: new AppError('internal_error', 'could not save', { cause: dup }) }, 'wrapped');
  const line = lines.join('');
  expect(line).not.toContain('someone-private');
  expect(JSON.parse(line).err).toMatchObject({ message: 'could not save', db: { code: '23505' } });
});

it('serializes other errors as before', () => {
  const { logger, lines } = capture();
  logger.error({ err: new Error('plain failure') }, 'x');
  expect(JSON.parse(lines.join('')).err).toMatchObject({ type: 'Error', message: 'plain failure' });
});

it('censors secrets at the top level, one level down and in any headers, without changing the logged object', () => {
  const { logger, lines } = capture();
  const logged = {
    password: 'top-pw-1',
    jwtSecret: 'jwt-2',
    body: { token: 'nested-3', apiKey: 'nested-4', name: 'kept' },
    req2: {
      headers: { authorization: 'Bearer hdr-5', cookie: 'c=hdr-6', 'x-api-key': 'hdr-7', accept: 'x' },
    },
    list: [{ password: 'in-array-ok' }],
  };
  const copy = structuredClone(logged);
  logger.info(logged, 'line');
  const line = lines.join('');
  for (const secret of ['top-pw-1', 'jwt-2', 'nested-3', 'nested-4', 'hdr-5', 'hdr-6', 'hdr-7']) {
    expect(line).not.toContain(secret);
  }
  const out = JSON.parse(line);
  expect(out).toMatchObject({ password: '[redacted]', jwtSecret: '[redacted]' });
  expect(out.body).toEqual({ token: '[redacted]', apiKey: '[redacted]', name: 'kept' });
  expect(out.req2.headers).toEqual({
    authorization: '[redacted]',
    cookie: '[redacted]',
    'x-api-key': '[redacted]',
    accept: 'x',
  });
  expect(logged).toEqual(copy);
});

it('censors secrets in a child logger’s bindings and in an error’s own fields', () => {
  const { logger, lines } = capture();
  const child = logger.child({ request_id: 'r-1', token: 'bound-8', upstream: { api_key: 'bound-9' } });
  const err = Object.assign(new Error('upstream failed'), { apiKey: 'err-10', status: 502 });
  child.error({ err }, 'failed');
  const line = lines.join('');
  expect(line).not.toContain('bound-8');
  expect(line).not.toContain('bound-9');
  expect(line).not.toContain('err-10');
  const out = JSON.parse(line);
  expect(out).toMatchObject({ request_id: 'r-1', token: '[redacted]', upstream: { api_key: '[redacted]' } });
  expect(out.err).toMatchObject({ message: 'upstream failed', apiKey: '[redacted]', status: 502 });
});
