import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeServer, startFakeOpenAI } from '../../../test/fakes/index.js';
import { buildTestApp, json, type TestApp } from '../../../test/helpers/build-test-app.js';
import { activateProvider, registerUser, type TestUser } from '../../../test/helpers/factories.js';
import { testEngine } from '../../../test/helpers/test-db.js';

// A statement writing messages locks them, then (migration 0017's trigger) its chat's row. A chat delete that locked
// the chat first and then its messages (the cascade) would deadlock with it: PostgreSQL aborts one after
// deadlock_timeout, the delete answering 5xx or a running answer's save failing. The delete locks the messages first.
// PGlite has one connection: statements never interleave.
describe.skipIf(testEngine() !== 'postgres')('deleting a chat while its answer is being saved', () => {
  let t: TestApp;
  let fake: FakeServer;
  let alice: TestUser;
  beforeAll(async () => {
    fake = await startFakeOpenAI({ reply: 'An answer.' });
    t = await buildTestApp();
    alice = await registerUser(t.app);
    await activateProvider(t.app, alice, {
      provider: 'openai',
      api_key: 'sk-test-0123456789abcdef',
      base_url: fake.url,
    });
    // This test's database only: a save of the text 'slow' holds its message's lock for 600 ms before the
    // statement's trigger reaches the chat (row triggers fire before statement triggers).
    await t.database.db.execute(
      sql.raw(`create function test_slow() returns trigger language plpgsql as
      $$ begin perform pg_sleep(0.6); return null; end $$`),
    );
    await t.database.db.execute(
      sql.raw(`create trigger test_slow_save after update on messages for each row
      when (new.content = 'slow') execute function test_slow()`),
    );
  });
  afterAll(async () => {
    await t.close();
    await fake.close();
  });

  it('neither deadlocks: the delete waits for the save, then succeeds', async () => {
    const chatId = json<{ id: string }>(
      await t.app.inject({ method: 'POST', url: '/v1/chats', headers: alice.headers, payload: {} }),
    ).id;
    const sent = await t.app.inject({
      method: 'POST',
      url: `/v1/chats/${chatId}/messages`,
      headers: alice.headers,
      payload: { provider: 'openai', model: 'gpt-test', content: 'Hi' },
    });
    const answerId = json<{ assistant_message: { id: string } }>(sent).assistant_message.id;
    // (a Drizzle query runs when awaited: then() starts it now)
    const save = t.database.db
      .execute(sql`update messages set content = 'slow' where id = ${answerId}`)
      .then((r) => r);
    await new Promise((r) => setTimeout(r, 200));
    const started = Date.now();
    const del = await t.app.inject({ method: 'DELETE', url: `/v1/chats/${chatId}`, headers: alice.headers });
    await expect(save).resolves.toBeDefined();
    expect(del.statusCode).toBe(204);
    expect(Date.now() - started).toBeLessThan(900); // waited for the save (~400 ms), not for a deadlock check
    const gone = await t.app.inject({ method: 'GET', url: `/v1/chats/${chatId}`, headers: alice.headers });
    expect(gone.statusCode).toBe(404);
  });
});
