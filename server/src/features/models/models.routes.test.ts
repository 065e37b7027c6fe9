import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  type FakeServer,
  startFakeAnthropic,
  startFakeOllama,
  startFakeOpenAI,
} from '../../../test/fakes/index.js';
import { buildTestApp, json, type TestApp } from '../../../test/helpers/build-test-app.js';
import {
  activateOpenAI,
  activateProvider,
  registerUser,
  type TestUser,
} from '../../../test/helpers/factories.js';

const OPENAI_KEY = 'sk-openai-fake-key-0000aaaa';
const ANTHROPIC_KEY = 'sk-ant-fake-key-1111bbbb';
const TIMEOUT_MS = 400;

interface Catalog {
  models: { id: string; provider: string; kind: string }[];
  message: string;
  configured_providers: string[];
  missing_providers: string[];
  errors: { provider: string; message: string }[];
}

let t: TestApp;
let openai: FakeServer;
let anthropic: FakeServer;
let ollama: FakeServer;
beforeAll(async () => {
  [openai, anthropic, ollama] = await Promise.all([
    startFakeOpenAI({ apiKey: OPENAI_KEY, models: ['gpt-fast', 'gpt-smart'] }),
    startFakeAnthropic({ apiKey: ANTHROPIC_KEY, models: ['claude-fake'] }),
    startFakeOllama({ models: ['llama-fake'] }),
  ]);
  t = await buildTestApp({ env: { MODELS_TIMEOUT_MS: String(TIMEOUT_MS), MODELS_CACHE_TTL_S: '300' } });
});
afterAll(async () => {
  await t.close();
  await Promise.all([openai.close(), anthropic.close(), ollama.close()]);
});
beforeEach(() => {
  for (const f of [openai, anthropic, ollama]) f.reset();
});

const getModels = async (u: TestUser, url = '/v1/models') => {
  const res = await t.app.inject({ method: 'GET', url, headers: u.headers });
  expect(res.statusCode, res.body).toBe(200);
  return json<Catalog>(res);
};

async function userWithThreeProviders() {
  const u = await registerUser(t.app);
  for (const payload of [
    { provider: 'openai', api_key: OPENAI_KEY, base_url: openai.url },
    { provider: 'anthropic', api_key: ANTHROPIC_KEY, base_url: anthropic.url },
    { provider: 'ollama', base_url: ollama.url },
  ]) {
    await activateProvider(t.app, u, payload);
  }
  return u;
}

describe('GET /models', () => {
  it('asks every configured provider with its own key and merges the answers', async () => {
    const u = await userWithThreeProviders();
    const cat = await getModels(u);
    expect(cat.errors).toEqual([]);
    expect(cat.models.map((m) => `${m.provider}/${m.id}`).sort()).toEqual([
      'anthropic/claude-fake',
      'ollama/llama-fake',
      'openai/gpt-fast',
      'openai/gpt-smart',
    ]);
    expect(cat.configured_providers.sort()).toEqual(['anthropic', 'ollama', 'openai']);
    expect(cat.missing_providers).toContain('groq');
    expect(cat.missing_providers).not.toContain('openai');
    const [toOpenAI] = openai.requestsTo('models');
    expect(toOpenAI?.headers.authorization).toBe(`Bearer ${OPENAI_KEY}`);
    const [toAnthropic] = anthropic.requestsTo('models');
    expect(toAnthropic?.headers['x-api-key']).toBe(ANTHROPIC_KEY);
    expect(JSON.stringify(toAnthropic?.headers)).not.toContain(OPENAI_KEY);
    const [toOllama] = ollama.requestsTo('models');
    expect(JSON.stringify(toOllama?.headers)).not.toMatch(/sk-/);
    expect(t.logs.join('\n')).not.toContain(OPENAI_KEY);
    expect(t.logs.join('\n')).not.toContain(ANTHROPIC_KEY);
  });

  it('caches per user, bypasses with refresh=true, and forgets a provider when it changes', async () => {
    const u = await userWithThreeProviders();
    await getModels(u);
    await getModels(u);
    expect(openai.requestsTo('models')).toHaveLength(1);
    await getModels(u, '/v1/models?refresh=true');
    expect(openai.requestsTo('models')).toHaveLength(2);
    expect(anthropic.requestsTo('models')).toHaveLength(2);
    // Another user has their own cache entry.
    const other = await userWithThreeProviders();
    await getModels(other);
    expect(openai.requestsTo('models')).toHaveLength(3);
    // Changing the openai credential drops only that provider's cached list.
    const patch = await t.app.inject({
      method: 'PATCH',
      url: '/v1/providers/openai',
      headers: u.headers,
      payload: { metadata: { note: 'x' } },
    });
    expect(patch.statusCode).toBe(200);
    await getModels(u);
    expect(openai.requestsTo('models')).toHaveLength(4);
    expect(anthropic.requestsTo('models')).toHaveLength(3);
    const del = await t.app.inject({ method: 'DELETE', url: '/v1/providers/openai', headers: u.headers });
    expect(del.statusCode).toBe(204);
    const after = await getModels(u);
    expect(after.models.some((m) => m.provider === 'openai')).toBe(false);
    expect(after.missing_providers).toContain('openai');
  });

  it('still lists the others when a provider fails or hangs, and reports it without secrets', async () => {
    const u = await userWithThreeProviders();
    anthropic.setBehavior({ kind: 'http_error', status: 500 });
    openai.setBehavior('hang');
    const started = Date.now();
    const cat = await getModels(u, '/v1/models?refresh=true');
    expect(Date.now() - started).toBeLessThan(TIMEOUT_MS + 2000);
    expect(cat.models.map((m) => m.id)).toEqual(['llama-fake']);
    expect(cat.errors.map((e) => e.provider).sort()).toEqual(['anthropic', 'openai']);
    expect(cat.errors.find((e) => e.provider === 'openai')?.message).toMatch(/time|timed out|no answer/i);
    expect(cat.message).toMatch(/anthropic/);
    expect(JSON.stringify(cat)).not.toContain(OPENAI_KEY);
    expect(JSON.stringify(cat)).not.toContain(ANTHROPIC_KEY);
    // A failure is not cached: once the provider is back, the next call lists it.
    anthropic.setBehavior('normal');
    openai.setBehavior('normal');
    const back = await getModels(u);
    expect(back.errors).toEqual([]);
    expect(back.models.map((m) => m.provider)).toContain('anthropic');
  });

  it('reports a wrong key as an error for that provider', async () => {
    const u = await registerUser(t.app);
    await activateOpenAI(t.app, u, openai.url, 'sk-wrong-key-99999999');
    const cat = await getModels(u);
    expect(cat.models).toEqual([]);
    expect(cat.errors).toMatchObject([{ provider: 'openai' }]);
    expect(JSON.stringify(cat)).not.toContain('sk-wrong-key-99999999');
  });

  it('tells a user with nothing configured what to do', async () => {
    const u = await registerUser(t.app);
    const cat = await getModels(u);
    expect(cat).toMatchObject({ models: [], configured_providers: [], errors: [] });
    expect(cat.missing_providers).toContain('openai');
    expect(cat.message).toMatch(/Settings → Providers/);
  });

  it('needs a token', async () => {
    expect((await t.app.inject({ method: 'GET', url: '/v1/models' })).statusCode).toBe(401);
    expect((await t.app.inject({ method: 'GET', url: '/v1/providers/openai/models' })).statusCode).toBe(401);
  });
});

describe('GET /providers/{provider}/models', () => {
  it('lists one provider, and explains an unconfigured one', async () => {
    const u = await userWithThreeProviders();
    const one = await getModels(u, '/v1/providers/anthropic/models');
    expect(one.models.map((m) => m.id)).toEqual(['claude-fake']);
    expect(one.configured_providers).toEqual(['anthropic']);
    expect(openai.requestsTo('models')).toHaveLength(0);
    const groq = await getModels(u, '/v1/providers/groq/models');
    expect(groq).toMatchObject({ models: [], configured_providers: [], missing_providers: ['groq'] });
    expect(groq.message).toMatch(/Groq is not set up/);
    const bad = await t.app.inject({ method: 'GET', url: '/v1/providers/skynet/models', headers: u.headers });
    expect(bad.statusCode).toBe(400);
    expect(json<{ error: { details: { field: string } } }>(bad).error.details.field).toBe('provider');
  });
});

describe('catalogue sources', () => {
  it('merges models and errors from added sources (local endpoints, GGUF files)', async () => {
    const u = await registerUser(t.app);
    t.app.ctx.services.models.addSource({
      name: 'test-local',
      list: async (userId) =>
        userId === u.id
          ? { models: [{ id: 'mine.gguf', name: 'Mine', provider: 'gguf', kind: 'chat' }], errors: [] }
          : { models: [], errors: [] },
    });
    t.app.ctx.services.models.addSource({
      name: 'broken-source',
      list: async () => {
        throw new Error('disk on fire');
      },
    });
    const cat = await getModels(u);
    expect(cat.models).toEqual([{ id: 'mine.gguf', name: 'Mine', provider: 'gguf', kind: 'chat' }]);
    expect(cat.errors).toEqual([{ provider: 'broken-source', message: 'could not list models' }]);
  });
});
