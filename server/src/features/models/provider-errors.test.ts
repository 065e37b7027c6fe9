import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type FakeServer, startFakeOpenAI } from '../../../test/fakes/index.js';
import { buildTestApp, json, type TestApp } from '../../../test/helpers/build-test-app.js';
import { activateProvider, registerUser, type TestUser } from '../../../test/helpers/factories.js';

const KEY = 'sk-provider-errors-key-0123456789';

interface Catalog {
  errors: { provider: string; message: string }[];
}

let t: TestApp;
let fake: FakeServer;
let user: TestUser;
beforeAll(async () => {
  fake = await startFakeOpenAI({ apiKey: KEY, models: ['m1'] });
  t = await buildTestApp({ env: { LOG_LEVEL: 'debug' } });
  user = await registerUser(t.app);
  await activateProvider(t.app, user, { provider: 'openai', api_key: KEY, base_url: fake.url });
});
beforeEach(() => fake.reset());
afterAll(async () => {
  await t.close();
  await fake.close();
});

const catalogError = async () => {
  const res = await t.app.inject({
    url: '/v1/providers/openai/models?refresh=true',
    headers: user.headers,
  });
  expect(res.statusCode, res.body).toBe(200);
  const [error] = json<Catalog>(res).errors;
  return error?.message ?? '';
};

describe('what a user sees of a provider error', () => {
  it('an HTML error page becomes the status and its text; the page goes to the debug log, redacted', async () => {
    const page = `<html><body><h1>502 Bad Gateway</h1>upstream http://admin:hunter2@10.0.0.5:8080/ key ${KEY}</body></html>`;
    fake.setBehavior({ kind: 'http_error', status: 502, body: page });
    const message = await catalogError();
    expect(message).toMatch(/returned 502: Bad Gateway$/);
    expect(message).not.toMatch(/<html|hunter2/);
    const logged = t.logs.filter((l) => l.includes('provider answered an error')).join('');
    expect(logged).toContain('502 Bad Gateway');
    expect(logged).toContain('http://***@10.0.0.5:8080/');
    expect(logged).not.toContain('hunter2');
    expect(t.logs.join('')).not.toContain(KEY);
  });

  it('a JSON error keeps its message, bounded, with credentials and keys masked', async () => {
    const long = `Invalid request: see https://bob:pa55word@proxy.example/docs, key sk-other-9876543210abcdef ${'x'.repeat(2000)}`;
    fake.setBehavior({ kind: 'http_error', status: 400, body: { error: { message: long } } });
    const message = await catalogError();
    expect(message).toMatch(
      /returned 400: Invalid request: see https:\/\/\*\*\*@proxy.example\/docs, key \*\*\*/,
    );
    expect(message).not.toMatch(/pa55word|sk-other/);
    expect(message.length).toBeLessThan(300);
  });
});

describe('listing models connects through the URL policy', () => {
  it('refuses, at connect time, a saved base URL that the current policy forbids', async () => {
    // Saved while private addresses were allowed; the deployment has since turned them off.
    const strict = await buildTestApp({ database: t.database, env: { ALLOW_PRIVATE_ENDPOINTS: 'false' } });
    try {
      const res = await strict.app.inject({
        url: '/v1/providers/openai/models?refresh=true',
        headers: user.headers,
      });
      expect(res.statusCode, res.body).toBe(200);
      expect(json<Catalog>(res).errors[0]?.message).toMatch(/cannot reach/);
      expect(fake.requests).toHaveLength(0);
    } finally {
      await strict.close();
    }
  });
});
