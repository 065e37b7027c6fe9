import { afterAll, beforeAll, expect, it } from 'vitest';
import { startFakeOllama } from '../../test/fakes/index.js';
import { buildTestApp, json, type TestApp } from '../../test/helpers/build-test-app.js';
import { registerUser, type TestUser } from '../../test/helpers/factories.js';

/** Every update route: a body with nothing to change is a 400 naming `body`, whoever owns the id. */
let t: TestApp;
let admin: TestUser;
let other: TestUser;
let ollama: Awaited<ReturnType<typeof startFakeOllama>>;
const ids: Record<string, string> = {};

const create = async (user: TestUser, url: string, payload: object) => {
  const res = await t.app.inject({ method: 'POST', url, headers: user.headers, payload });
  expect(res.statusCode, res.body).toBeLessThan(300);
  return String(json(res).id);
};

beforeAll(async () => {
  ollama = await startFakeOllama({});
  t = await buildTestApp();
  admin = await registerUser(t.app);
  other = await registerUser(t.app);
  await t.app.inject({
    method: 'POST',
    url: '/v1/providers/activate',
    headers: admin.headers,
    payload: { provider: 'openai', api_key: 'sk-empty-0123456789' },
  });
  for (const [who, user] of [
    ['mine', admin],
    ['theirs', other],
  ] as const) {
    ids[`chat.${who}`] = await create(user, '/v1/chats', {});
    ids[`lm.${who}`] = await create(user, '/v1/local-models', { name: 'lm', base_url: ollama.url });
    ids[`mc.${who}`] = await create(user, '/v1/model-configs', {
      name: 'mc',
      provider: 'openai',
      model: 'gpt-4o-mini',
    });
    ids[`tpl.${who}`] = await create(user, '/v1/templates', { name: 't', content: 'x' });
  }
});
afterAll(async () => {
  await t.close();
  await ollama.close();
});

it('refuses {} on every update route, for own ids and for ids of other users alike', async () => {
  const routes: [string, string][] = [];
  for (const who of ['mine', 'theirs']) {
    routes.push(
      ['PATCH', `/v1/chats/${ids[`chat.${who}`]}`],
      ['PATCH', `/v1/local-models/${ids[`lm.${who}`]}`],
      ['PUT', `/v1/local-models/${ids[`lm.${who}`]}`],
      ['PATCH', `/v1/model-configs/${ids[`mc.${who}`]}`],
      ['PATCH', `/v1/templates/${ids[`tpl.${who}`]}`],
    );
  }
  routes.push(
    ['PATCH', '/v1/providers/openai'],
    ['PATCH', '/v1/users/me'],
    ['PATCH', `/v1/admin/users/${other.id}`],
  );
  for (const [method, url] of routes) {
    const res = await t.app.inject({ method: method as 'PATCH', url, headers: admin.headers, payload: {} });
    expect(res.statusCode, `${method} ${url}: ${res.body}`).toBe(400);
    expect(json(res)).toMatchObject({
      error: {
        code: 'validation_error',
        message: 'body: give at least one field to change',
        details: { field: 'body' },
      },
    });
  }
});

it('still applies an update that names one field', async () => {
  const res = await t.app.inject({
    method: 'PATCH',
    url: `/v1/chats/${ids['chat.mine']}`,
    headers: admin.headers,
    payload: { title: 'Renamed' },
  });
  expect(res.statusCode).toBe(200);
  expect(json(res)).toMatchObject({ title: 'Renamed' });
});
