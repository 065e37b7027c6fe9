import { eq } from 'drizzle-orm';
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, json, type TestApp } from '../../../test/helpers/build-test-app.js';
import { registerUser, type TestUser } from '../../../test/helpers/factories.js';
import { localEndpoints, modelConfigs } from '../../db/schema/index.js';

const OWN_KEY = 'sk-own-config-key-5678abcd';
let t: TestApp;
beforeAll(async () => {
  t = await buildTestApp();
});
afterAll(() => t.close());

interface Dto {
  id: string;
  name: string;
  provider: string;
  base_url: string | null;
  has_api_key: boolean;
  api_key_preview: string | null;
  temperature: number;
  max_tokens: number;
  top_p: number;
  frequency_penalty: number;
  presence_penalty: number;
  is_default: boolean;
  local_model_id: string | null;
}

const create = (u: TestUser, payload: Record<string, unknown>) =>
  t.app.inject({ method: 'POST', url: '/v1/model-configs', headers: u.headers, payload });
const patch = (u: TestUser, id: string, payload: Record<string, unknown>) =>
  t.app.inject({ method: 'PATCH', url: `/v1/model-configs/${id}`, headers: u.headers, payload });
const fieldOf = (res: LightMyRequestResponse) =>
  json<{ error: { details?: { field?: string } } }>(res).error.details?.field;
const base = { name: 'Fast', provider: 'openai', model: 'gpt-4o-mini' };

describe('model configurations CRUD', () => {
  it('creates with defaults, reads, lists, updates and deletes', async () => {
    const u = await registerUser(t.app);
    const res = await create(u, base);
    expect(res.statusCode).toBe(201);
    const made = json<Dto>(res);
    expect(made).toMatchObject({
      ...base,
      temperature: 0.7,
      max_tokens: 2048,
      top_p: 1,
      frequency_penalty: 0,
      presence_penalty: 0,
      is_default: false,
      has_api_key: false,
      api_key_preview: null,
    });
    const one = await t.app.inject({
      method: 'GET',
      url: `/v1/model-configs/${made.id}`,
      headers: u.headers,
    });
    expect(json<Dto>(one).id).toBe(made.id);
    await create(u, { ...base, name: 'Second' });
    await create(u, { ...base, name: 'Third' });
    const page1 = await t.app.inject({ method: 'GET', url: '/v1/model-configs?limit=2', headers: u.headers });
    const p1 = json<{ model_configs: Dto[]; next_cursor: string | null }>(page1);
    expect(p1.model_configs.map((c) => c.name)).toEqual(['Third', 'Second']);
    const page2 = await t.app.inject({
      method: 'GET',
      url: `/v1/model-configs?limit=2&cursor=${p1.next_cursor}`,
      headers: u.headers,
    });
    expect(json<{ model_configs: Dto[]; next_cursor: string | null }>(page2)).toMatchObject({
      model_configs: [{ name: 'Fast' }],
      next_cursor: null,
    });
    const changed = await patch(u, made.id, { temperature: 1.5, name: 'Warm', system_prompt: 'Be brief.' });
    expect(changed.statusCode).toBe(200);
    expect(json<Dto>(changed)).toMatchObject({ temperature: 1.5, name: 'Warm', system_prompt: 'Be brief.' });
    const del = await t.app.inject({
      method: 'DELETE',
      url: `/v1/model-configs/${made.id}`,
      headers: u.headers,
    });
    expect(del.statusCode).toBe(204);
    const gone = await t.app.inject({
      method: 'GET',
      url: `/v1/model-configs/${made.id}`,
      headers: u.headers,
    });
    expect(gone.statusCode).toBe(404);
  });

  it('answers 400 naming the field', async () => {
    const u = await registerUser(t.app);
    const cases: [Record<string, unknown>, string][] = [
      [{ ...base, temperature: 3 }, 'temperature'],
      [{ ...base, top_p: 1.5 }, 'top_p'],
      [{ ...base, presence_penalty: -3 }, 'presence_penalty'],
      [{ ...base, max_tokens: 0 }, 'max_tokens'],
      [{ ...base, provider: 'skynet' }, 'provider'],
      [{ ...base, name: '' }, 'name'],
      [{ ...base, base_url: 'ftp://localhost' }, 'base_url'],
      [{ ...base, base_url: 'http://localhost:9/v1' }, 'api_key'],
      [{ ...base, local_model_id: '0190c2a4-0000-7000-8000-000000000000' }, 'local_model_id'],
    ];
    for (const [payload, field] of cases) {
      const res = await create(u, payload);
      expect(res.statusCode, JSON.stringify(payload)).toBe(400);
      expect(fieldOf(res), JSON.stringify(payload)).toBe(field);
    }
    const ok = json<Dto>(await create(u, base));
    const bad = await patch(u, ok.id, { temperature: 3 });
    expect(bad.statusCode).toBe(400);
    expect(fieldOf(bad)).toBe('temperature');
  });

  it('needs a token', async () => {
    expect((await t.app.inject({ method: 'GET', url: '/v1/model-configs' })).statusCode).toBe(401);
    expect((await t.app.inject({ method: 'POST', url: '/v1/model-configs', payload: base })).statusCode).toBe(
      401,
    );
  });

  it("answers 404 for another user's configuration", async () => {
    const a = await registerUser(t.app);
    const b = await registerUser(t.app);
    const mine = json<Dto>(await create(a, base));
    const url = `/v1/model-configs/${mine.id}`;
    expect((await t.app.inject({ method: 'GET', url, headers: b.headers })).statusCode).toBe(404);
    expect((await patch(b, mine.id, { name: 'Stolen' })).statusCode).toBe(404);
    expect((await t.app.inject({ method: 'DELETE', url, headers: b.headers })).statusCode).toBe(404);
    const list = await t.app.inject({ method: 'GET', url: '/v1/model-configs', headers: b.headers });
    expect(json<{ model_configs: Dto[] }>(list).model_configs).toEqual([]);
    await expect(t.app.ctx.services.modelConfigs.get(b.id, mine.id)).rejects.toMatchObject({
      code: 'not_found',
    });
    expect((await t.app.inject({ method: 'GET', url, headers: a.headers })).statusCode).toBe(200);
  });

  it('keeps at most one default per user', async () => {
    const u = await registerUser(t.app);
    const other = await registerUser(t.app);
    const otherDefault = json<Dto>(await create(other, { ...base, is_default: true }));
    const first = json<Dto>(await create(u, { ...base, name: 'One', is_default: true }));
    const second = json<Dto>(await create(u, { ...base, name: 'Two', is_default: true }));
    expect(second.is_default).toBe(true);
    const svc = t.app.ctx.services.modelConfigs;
    expect((await svc.getDefault(u.id))?.id).toBe(second.id);
    expect((await svc.get(u.id, first.id)).is_default).toBe(false);
    await patch(u, first.id, { is_default: true });
    const rows = await t.database.db.select().from(modelConfigs).where(eq(modelConfigs.userId, u.id));
    expect(rows.filter((r) => r.isDefault).map((r) => r.id)).toEqual([first.id]);
    expect((await svc.getDefault(other.id))?.id).toBe(otherDefault.id);
    await patch(u, first.id, { is_default: false });
    expect(await svc.getDefault(u.id)).toBeNull();
  });

  it('ends with exactly one default when several are set at once', async () => {
    const u = await registerUser(t.app);
    const results = await Promise.all(
      ['A', 'B', 'C', 'D'].map((name) => create(u, { ...base, name, is_default: true })),
    );
    expect(results.map((r) => r.statusCode)).toEqual([201, 201, 201, 201]);
    const rows = await t.database.db.select().from(modelConfigs).where(eq(modelConfigs.userId, u.id));
    expect(rows).toHaveLength(4);
    expect(rows.filter((r) => r.isDefault)).toHaveLength(1);
  });
});

describe('keys and targets', () => {
  it('seals its own key, never answers it, and resolves it with its own base URL', async () => {
    const u = await registerUser(t.app);
    const res = await create(u, { ...base, api_key: OWN_KEY, base_url: 'http://localhost:4010/v1' });
    expect(res.statusCode).toBe(201);
    expect(res.body).not.toContain(OWN_KEY);
    const dto = json<Dto>(res);
    expect(dto).toMatchObject({
      has_api_key: true,
      api_key_preview: 'sk-…abcd',
      base_url: 'http://localhost:4010/v1',
    });
    const [row] = await t.database.db.select().from(modelConfigs).where(eq(modelConfigs.id, dto.id));
    expect(row?.apiKeyEnc).toBeTruthy();
    expect(row?.apiKeyEnc).not.toContain(OWN_KEY);
    const list = await t.app.inject({ method: 'GET', url: '/v1/model-configs', headers: u.headers });
    expect(list.body).not.toContain(OWN_KEY);
    expect(t.logs.join('\n')).not.toContain(OWN_KEY);
    const { target } = await t.app.ctx.services.modelConfigs.resolveTarget(u.id, dto.id);
    expect(target).toEqual({
      provider: 'openai',
      adapter: 'openai-compatible',
      baseUrl: 'http://localhost:4010/v1',
      apiKey: OWN_KEY,
    });
    // Moving the key elsewhere needs the key again.
    const moved = await patch(u, dto.id, { base_url: 'http://127.0.0.9/v1' });
    expect(moved.statusCode).toBe(400);
    expect(fieldOf(moved)).toBe('api_key');
  });

  it("falls back to the user's provider key, and explains when there is none", async () => {
    const u = await registerUser(t.app);
    const dto = json<Dto>(await create(u, base));
    const svc = t.app.ctx.services.modelConfigs;
    const missing = await svc.resolveTarget(u.id, dto.id).catch((e: unknown) => e);
    expect(missing).toMatchObject({ code: 'provider_not_configured' });
    await t.app.inject({
      method: 'POST',
      url: '/v1/providers/activate',
      headers: u.headers,
      payload: { provider: 'openai', api_key: 'sk-provider-key-00001111' },
    });
    const { config, target } = await svc.resolveTarget(u.id, dto.id);
    expect(config.id).toBe(dto.id);
    expect(target).toMatchObject({
      baseUrl: 'https://api.openai.com/v1',
      apiKey: 'sk-provider-key-00001111',
    });
  });

  it("accepts the caller's own local endpoint only, and resolves to it", async () => {
    const a = await registerUser(t.app);
    const b = await registerUser(t.app);
    const [ep] = await t.database.db
      .insert(localEndpoints)
      .values({ userId: a.id, name: 'Box', baseUrl: 'http://127.0.0.1:11434', endpointType: 'ollama' })
      .returning();
    if (!ep) throw new Error('no endpoint');
    const theirs = await create(b, { ...base, provider: 'local', local_model_id: ep.id });
    expect(theirs.statusCode).toBe(400);
    expect(fieldOf(theirs)).toBe('local_model_id');
    const mine = await create(a, { ...base, provider: 'local', model: 'llama3.2', local_model_id: ep.id });
    expect(mine.statusCode).toBe(201);
    // Without an endpoint, `local` names a GGUF file in MODELS_DIR (none here, so it is not found when used).
    const gguf = await create(a, { ...base, provider: 'local', model: 'absent' });
    expect(gguf.statusCode).toBe(201);
    await expect(
      t.app.ctx.services.modelConfigs.resolveTarget(a.id, json<Dto>(gguf).id),
    ).rejects.toMatchObject({
      code: 'not_found',
    });
    const { target } = await t.app.ctx.services.modelConfigs.resolveTarget(a.id, json<Dto>(mine).id);
    expect(target).toEqual({
      provider: 'local',
      adapter: 'ollama',
      baseUrl: 'http://127.0.0.1:11434',
      apiKey: null,
      localEndpointId: ep.id,
    });
  });
});
