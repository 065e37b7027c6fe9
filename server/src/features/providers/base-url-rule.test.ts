import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, json, type TestApp } from '../../../test/helpers/build-test-app.js';
import { registerUser, type TestUser } from '../../../test/helpers/factories.js';

/** Every place a user gives a base URL applies one rule and answers one error (url_not_allowed naming the field). */
let t: TestApp;
let u: TestUser;
beforeAll(async () => {
  t = await buildTestApp();
  u = await registerUser(t.app);
});
afterAll(() => t.close());

type ErrorBody = { error: { code: string; message: string; details: { field: string } } };

const post = (url: string, payload: unknown) =>
  t.app.inject({ method: 'POST', url, headers: u.headers, payload: payload as Record<string, unknown> });

const entryPoints: [string, (baseUrl: string) => ReturnType<typeof post>][] = [
  [
    'provider credential',
    (base_url) => post('/v1/providers/activate', { provider: 'openai-compatible', base_url }),
  ],
  [
    'model configuration',
    (base_url) => post('/v1/model-configs', { name: 'c', provider: 'ollama', model: 'm', base_url }),
  ],
  [
    'local endpoint',
    (base_url) => post('/v1/local-models', { name: 'e', base_url, endpoint_type: 'ollama' }),
  ],
];

const BAD: [string, RegExp][] = [
  ['ftp://127.0.0.1/', /http or https/],
  ['http://user:pw@127.0.0.1:11434', /credentials/],
  ['http://127.0.0.1:11434/v1?x=1', /query string/],
  ['http://127.0.0.1:11434/#frag', /query string or fragment/],
  ['http://169.254.169.254/v1', /metadata/],
  ['http://[::a9fe:a9fe]/v1', /metadata/],
];

describe('one base-URL rule, one error', () => {
  for (const [where, send] of entryPoints) {
    it.each(BAD)(`${where}: %s is url_not_allowed naming base_url`, async (url, why) => {
      const res = await send(url);
      expect(res.statusCode, res.body).toBe(400);
      const { error } = json<ErrorBody>(res);
      expect(error.code).toBe('url_not_allowed');
      expect(error.details.field).toBe('base_url');
      expect(error.message).toMatch(/^base_url: /);
      expect(error.message).toMatch(why);
    });
  }

  it('the legacy import refuses the same URLs, item by item, with the same reasons', async () => {
    const items = BAD.map(([baseUrl], i) => ({ name: `n${i}`, baseUrl }));
    const res = await post('/v1/local-models/import', [
      ...items,
      { name: 'ok', baseUrl: 'http://127.0.0.1:11434/' },
    ]);
    expect(res.statusCode, res.body).toBe(200);
    const result = json<{ created: { base_url: string }[]; refused: { index: number; reason: string }[] }>(
      res,
    );
    expect(result.refused.map((r) => r.index)).toEqual(BAD.map((_, i) => i));
    for (const [i, [, why]] of BAD.entries()) expect(result.refused[i]?.reason).toMatch(why);
    expect(result.created.map((c) => c.base_url)).toEqual(['http://127.0.0.1:11434']);
  });

  it('normalises alike everywhere: trailing slashes go, the host is lower-cased', async () => {
    const endpoint = await post('/v1/local-models', {
      name: 'n',
      base_url: 'http://LOCALHOST:9/v1/',
      endpoint_type: 'ollama',
    });
    expect(json<{ base_url: string }>(endpoint).base_url).toBe('http://localhost:9/v1');
    const provider = await post('/v1/providers/activate', {
      provider: 'ollama',
      base_url: 'http://LOCALHOST:9/v1/',
    });
    expect(json<{ base_url: string }>(provider).base_url).toBe('http://localhost:9/v1');
  });
});
