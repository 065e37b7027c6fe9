import { readFileSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import { afterEach, beforeEach, describe, expect, inject, it } from 'vitest';
import { testEngine } from '../../test/helpers/test-db.js';
import { preparedStatements } from './pglite-statements.js';

// PGlite only: the PostgreSQL project has no PGlite client to speed up.
describe.skipIf(testEngine() === 'postgres')('PGlite queries through named prepared statements', () => {
  let plain: PGlite;
  let fast: PGlite;

  // Each from the migrated snapshot: a copy loads far faster than initdb runs in WASM.
  const open = () => PGlite.create({ loadDataDir: new Blob([readFileSync(inject('pgliteSnapshot'))]) });

  beforeEach(async () => {
    plain = await open();
    fast = preparedStatements(await open(), 3);
    const ddl = `create table t_stmt (id int primary key, doc jsonb, at timestamptz, tags text[], note text)`;
    await plain.exec(ddl);
    await fast.exec(ddl);
  });
  afterEach(async () => {
    await plain.close();
    await fast.close();
  });

  const prepared = async (client: PGlite) =>
    (await client.exec('select statement from pg_prepared_statements order by statement'))[0]?.rows.map(
      (r) => (r as { statement: string }).statement,
    );

  it('answers what PGlite itself answers: rows, fields, types, nulls, counts and row mode', async () => {
    const at = new Date('2026-12-02T10:00:00.000Z');
    const insert = 'insert into t_stmt values ($1, $2, $3, $4, $5) returning *';
    const params = [1, { a: [1, 'x'] }, at, ['p', 'q'], null];
    const [a, b] = [await plain.query(insert, params), await fast.query(insert, params)];
    expect(b).toEqual(a);
    expect(b.rows).toEqual([{ id: 1, doc: { a: [1, 'x'] }, at, tags: ['p', 'q'], note: null }]);
    expect(b.affectedRows).toBe(1);
    const select = 'select id, note from t_stmt where id = $1';
    expect(await fast.query(select, [1], { rowMode: 'array' })).toEqual(
      await plain.query(select, [1], { rowMode: 'array' }),
    );
    const update = 'update t_stmt set note = $2 where id = $1';
    expect(await fast.query(update, [1, 'n'])).toEqual(await plain.query(update, [1, 'n']));
  });

  it("takes a query's own parsers over the client's, as PGlite does, and keeps the client's for other types", async () => {
    const at = new Date('2026-12-02T10:00:00.000Z');
    await fast.query('insert into t_stmt values ($1, $2, $3, $4, $5)', [7, { k: 1 }, at, ['t'], 'x']);
    await plain.query('insert into t_stmt values ($1, $2, $3, $4, $5)', [7, { k: 1 }, at, ['t'], 'x']);
    // As Drizzle asks: timestamps kept as text (type 1184), everything else parsed by the client's parsers.
    const options = { rowMode: 'array' as const, parsers: { 1184: (v: string) => `text:${v}` } };
    const select = 'select id, doc, at, tags from t_stmt where id = $1';
    const got = await fast.query(select, [7], options);
    expect(got).toEqual(await plain.query(select, [7], options));
    expect(got.rows).toEqual([[7, { k: 1 }, expect.stringMatching(/^text:2026-12-02 10:00:00/), ['t']]]);
    // The options are left as they were (the next call with the same object parses the same way).
    expect(Object.keys(options.parsers)).toEqual(['1184']);
    expect((await fast.query(select, [7], options)).rows).toEqual(got.rows);
  });

  it('answers the same on every run once its result is described: rows, none, and statements without rows', async () => {
    const statements: [string, unknown[]][] = [
      [
        'insert into t_stmt (id, note) values ($1, $2) on conflict (id) do update set note = excluded.note returning id, note',
        [1, 'a'],
      ],
      ['select id, note, at from t_stmt where id = $1', [1]],
      ['select id, note, at from t_stmt where id = $1', [99]],
      ['update t_stmt set note = $2 where id = $1', [1, 'b']],
      ['select count(*)::int as n, max(note) as top from t_stmt', []],
    ];
    for (let run = 0; run < 3; run++) {
      for (const [text, params] of statements) {
        const p = run === 0 ? params : params.map((v) => (v === 1 ? run + 1 : v));
        expect(await fast.query(text, p)).toEqual(await plain.query(text, p));
        expect(await fast.query(text, p, { rowMode: 'array' })).toEqual(
          await plain.query(text, p, { rowMode: 'array' }),
        );
      }
    }
  });

  it('parses each text once and runs it again by name', async () => {
    for (let i = 0; i < 3; i++) await fast.query('select $1::int + 1 as n', [i]);
    expect(await prepared(fast)).toEqual(['select $1::int + 1 as n']);
    expect((await fast.query<{ n: number }>('select $1::int + 1 as n', [41])).rows).toEqual([{ n: 42 }]);
  });

  it('keeps at most its limit prepared, closing the least recently used', async () => {
    await fast.query('select 1 as a');
    await fast.query('select 2 as b');
    await fast.query('select 3 as c');
    await fast.query('select 1 as a');
    await fast.query('select 4 as d');
    // 'select 2 as b' was the least recently used when the fourth text came.
    expect(await prepared(fast)).toEqual(['select 1 as a', 'select 3 as c', 'select 4 as d']);
    expect((await fast.query('select 2 as b')).rows).toEqual([{ b: 2 }]);
  });

  it("throws PostgreSQL's error with its SQLSTATE, and the next query runs", async () => {
    const insert = 'insert into t_stmt (id) values ($1)';
    await fast.query(insert, [1]);
    await expect(fast.query(insert, [1])).rejects.toMatchObject({ code: '23505' });
    await expect(fast.query('select 1/0')).rejects.toMatchObject({ code: '22012' });
    await expect(fast.query('selec 1')).rejects.toMatchObject({ code: '42601' });
    expect((await fast.query('select count(*)::int as n from t_stmt')).rows).toEqual([{ n: 1 }]);
  });

  it('prepares again when its statement is gone or its result shape changed', async () => {
    await fast.query('insert into t_stmt (id) values ($1)', [1]);
    expect((await fast.query('select * from t_stmt')).fields).toHaveLength(5);
    await fast.exec('deallocate all');
    expect((await fast.query('select * from t_stmt')).rows).toHaveLength(1);
    await fast.exec('alter table t_stmt add column extra int default 7');
    const after = await fast.query<{ extra: number }>('select * from t_stmt');
    expect(after.fields).toHaveLength(6);
    expect(after.rows[0]?.extra).toBe(7);
  });

  it('waits for a transaction in progress, which keeps its own queries', async () => {
    let release = () => {};
    const held = new Promise<void>((r) => {
      release = r;
    });
    const tx = fast.transaction(async (t) => {
      await t.query('insert into t_stmt (id) values ($1)', [1]);
      await held;
      await t.query('insert into t_stmt (id) values ($1)', [2]);
    });
    const count = fast.query<{ n: number }>('select count(*)::int as n from t_stmt');
    await new Promise((r) => setTimeout(r, 20));
    release();
    await tx;
    expect((await count).rows).toEqual([{ n: 2 }]);
  });
});
