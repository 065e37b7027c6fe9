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
