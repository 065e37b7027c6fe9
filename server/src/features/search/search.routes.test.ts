import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { json, type TestApp } from '../../../test/helpers/build-test-app.js';
import { insertChat } from '../../../test/helpers/chat-rows.js';
import { appWithTwoUsers, type TestUser } from '../../../test/helpers/factories.js';
import { messages } from '../../db/schema/index.js';
import { MATCH_END, MATCH_START } from './search.repository.js';
import { toSnippet } from './snippet.js';

interface Hit {
  message_id: string;
  role: string;
  content: string;
  snippet: string;
  chat_id?: string;
  chat_title?: string | null;
}
interface Result {
  query: string;
  chat_id?: string;
  results: Hit[];
  total_results: number;
  next_cursor: string | null;
}

let t: TestApp;
let alice: TestUser;
let bob: TestUser;
let geology: string;
let cooking: string;
beforeAll(async () => {
  ({ t, alice, bob } = await appWithTwoUsers());
  const db = t.database.db;
  geology = (
    await insertChat(
      db,
      alice.id,
      [
        { role: 'user', content: 'Tell me about volcanoes' },
        {
          role: 'assistant',
          content: 'Volcanoes form where magma reaches the surface. A volcano can be active or dormant.',
        },
        { role: 'assistant', content: 'Earthquakes often come before an eruption.' },
        { role: 'user', content: "'; DROP TABLE messages; -- what about volcanic ash?" },
      ],
      'Geology',
    )
  ).chat.id;
  cooking = (
    await insertChat(
      db,
      alice.id,
      [
        { role: 'user', content: 'How do I bake bread?' },
        {
          role: 'assistant',
          content: 'Bread needs flour, water, yeast and a hot oven; a volcano cake is another story.',
        },
      ],
      'Cooking',
    )
  ).chat.id;
  await insertChat(db, bob.id, [{ role: 'assistant', content: 'Bob also knows a volcano.' }], 'Bob');
});
afterAll(() => t.close());

const get = (url: string, user: TestUser | null = alice) =>
  t.app.inject({ method: 'GET', url, headers: user?.headers ?? {} });

describe('GET /chats/{id}/search', () => {
  it('finds stemmed forms, best match first, with a highlighted snippet', async () => {
    const res = await get(`/v1/chats/${geology}/search?q=volcano`);
    expect(res.statusCode).toBe(200);
    const body = json<Result>(res);
    expect(body).toMatchObject({ query: 'volcano', chat_id: geology, total_results: 2, next_cursor: null });
    // The answer that says it twice ranks above the question that says it once.
    expect(body.results.map((r) => r.content)).toEqual([
      'Volcanoes form where magma reaches the surface. A volcano can be active or dormant.',
      'Tell me about volcanoes',
    ]);
    expect(body.results[0]?.snippet).toContain('<b>Volcanoes</b>');
    expect(body.results[1]).toMatchObject({ role: 'user', snippet: 'Tell me about <b>volcanoes</b>' });
  });

  it('escapes HTML in the snippet and marks only the matches', async () => {
    const { chat } = await insertChat(t.database.db, alice.id, [
      { role: 'assistant', content: 'Use <script>alert("lava")</script> & a lava lamp' },
    ]);
    const [hit] = json<Result>(await get(`/v1/chats/${chat.id}/search?q=lava`)).results;
    expect(hit?.snippet).toContain('<b>lava</b>');
    // Apart from the <b> marks, no markup survives: the text is escaped (or dropped by ts_headline's parser).
    expect(hit?.snippet.replace(/<\/?b>/g, '')).not.toMatch(/[<>]/);
    expect(toSnippet(`Tom & "Jerry" <i>${MATCH_START}lava${MATCH_END}</i>`)).toBe(
      'Tom &amp; &quot;Jerry&quot; &lt;i&gt;<b>lava</b>&lt;/i&gt;',
    );
    expect(hit?.content).toBe('Use <script>alert("lava")</script> & a lava lamp');
  });

  it('finds a running answer once it has ended, not while its text is still being saved', async () => {
    const db = t.database.db;
    const { chat, messages: rows } = await insertChat(db, alice.id, [
      { role: 'assistant', content: 'Basalt columns cool slowly', status: 'streaming' },
    ]);
    const search = async () =>
      json<Result>(await get(`/v1/chats/${chat.id}/search?q=basalt`)).results.map((r) => r.content);
    expect(await search()).toEqual([]);
    // A partial save, then the answer's last write (answer-writes.ts).
    await db
      .update(messages)
      .set({ content: 'Basalt columns cool slowly into hexagons' })
      .where(eq(messages.id, rows[0]?.id ?? ''));
    expect(await search()).toEqual([]);
    await db
      .update(messages)
      .set({ status: 'completed' })
      .where(eq(messages.id, rows[0]?.id ?? ''));
    expect(await search()).toEqual(['Basalt columns cool slowly into hexagons']);
  });

  it('keeps the punctuation that ends a fragment', async () => {
    const { chat } = await insertChat(t.database.db, alice.id, [
      { role: 'user', content: 'What is the capital of France?' },
    ]);
    const [hit] = json<Result>(await get(`/v1/chats/${chat.id}/search?q=france`)).results;
    expect(hit?.snippet).toBe('What is the capital of <b>France</b>?');
  });

  it('pages by cursor and keeps the total', async () => {
    const first = json<Result>(await get(`/v1/chats/${geology}/search?q=volcano&limit=1`));
    expect(first.results).toHaveLength(1);
    expect(first.total_results).toBe(2);
    const second = json<Result>(
      await get(`/v1/chats/${geology}/search?q=volcano&limit=1&cursor=${first.next_cursor}`),
    );
    expect(second.results.map((r) => r.content)).toEqual(['Tell me about volcanoes']);
    expect(second.next_cursor).toBeNull();
    const past = json<Result>(await get(`/v1/chats/${geology}/search?q=volcano&limit=1&cursor=WzVd`));
    expect(past).toMatchObject({ results: [], total_results: 2, next_cursor: null });
  });

  it('answers junk, punctuation-only, stop-word and SQL-looking queries without an error', async () => {
    for (const q of [
      '',
      '   ',
      '!!!',
      '&|!():*',
      'the',
      '"unclosed',
      "'; DROP TABLE messages; --",
      'or or or',
      '-',
      '*:*',
    ]) {
      const res = await get(`/v1/chats/${geology}/search?q=${encodeURIComponent(q)}`);
      expect(res.statusCode, q).toBe(200);
      expect(Array.isArray(json<Result>(res).results)).toBe(true);
    }
    const sqlish = json<Result>(
      await get(`/v1/chats/${geology}/search?q=${encodeURIComponent("'; DROP TABLE messages; --")}`),
    );
    expect(sqlish.results.map((r) => r.role)).toEqual(['user']);
    expect(json<Result>(await get(`/v1/chats/${geology}/search?q=volcano`)).total_results).toBe(2);
  });

  it('answers 400 naming q when it is missing or too long, and naming limit', async () => {
    const missing = await get(`/v1/chats/${geology}/search`);
    expect(missing.statusCode).toBe(400);
    expect(json(missing)).toMatchObject({ error: { code: 'validation_error', details: { field: 'q' } } });
    const long = await get(`/v1/chats/${geology}/search?q=${'a'.repeat(501)}`);
    expect(json(long)).toMatchObject({ error: { details: { field: 'q' } } });
    const limit = await get(`/v1/chats/${geology}/search?q=x&limit=500`);
    expect(json(limit)).toMatchObject({ error: { details: { field: 'limit' } } });
  });

  it('answers 404 for another user’s chat and 401 without a token', async () => {
    expect((await get(`/v1/chats/${geology}/search?q=volcano`, bob)).statusCode).toBe(404);
    expect((await get(`/v1/chats/${geology}/search?q=volcano`, null)).statusCode).toBe(401);
  });
});

describe('GET /search', () => {
  it('searches every chat of the caller only, with chat id and title', async () => {
    const res = await get('/api/v1/search?q=volcanoes');
    expect(res.statusCode).toBe(200);
    const body = json<Result>(res);
    expect(body.total_results).toBe(3);
    expect(new Set(body.results.map((r) => r.chat_title))).toEqual(new Set(['Geology', 'Cooking']));
    expect(body.results.find((r) => r.chat_id === cooking)?.snippet).toContain('<b>volcano</b>');
    expect(body.results.some((r) => r.content.includes('Bob'))).toBe(false);
    const bobs = json<Result>(await get('/v1/search?q=volcano', bob));
    expect(bobs.results.map((r) => r.content)).toEqual(['Bob also knows a volcano.']);
  });

  it('matches every word of a multi-word query and honours quoted phrases and exclusions', async () => {
    expect(json<Result>(await get(`/v1/search?q=${encodeURIComponent('bread oven')}`)).total_results).toBe(1);
    expect(
      json<Result>(await get(`/v1/search?q=${encodeURIComponent('"volcanic ash"')}`)).total_results,
    ).toBe(1);
    expect(
      json<Result>(await get(`/v1/search?q=${encodeURIComponent('volcano -bread')}`)).total_results,
    ).toBe(2);
  });

  it('answers 400 naming q or cursor, and 401 without a token', async () => {
    expect(json(await get('/v1/search'))).toMatchObject({ error: { details: { field: 'q' } } });
    expect(json(await get('/v1/search?q=x&cursor=%%%'))).toMatchObject({
      error: { details: { field: 'cursor' } },
    });
    expect((await get('/v1/search?q=volcano', null)).statusCode).toBe(401);
  });
});
