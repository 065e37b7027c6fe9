import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { FakeServer } from '../../../test/fakes/common.js';
import { startFakeOpenAI } from '../../../test/fakes/openai.js';
import { buildTestApp, json, type TestApp } from '../../../test/helpers/build-test-app.js';
import { activateProvider, registerUser, type TestUser } from '../../../test/helpers/factories.js';

const KEY = 'sk-imagerouter-test-key-0123456789';
let t: TestApp;
let fake: FakeServer;
let owner: TestUser;
let other: TestUser;

interface JobBody {
  id: string;
  status: string;
  attempts: number;
  error_log: string | null;
  output_data: { images: { file_id: string; url: string; path: string }[] } | null;
}

beforeAll(async () => {
  fake = await startFakeOpenAI({ apiKey: KEY });
  // Two attempts keep the "provider 500" case short: one retry after the ~2 s backoff.
  t = await buildTestApp({
    startLifecycle: true,
    env: { JOB_POLL_INTERVAL_MS: '50', JOB_MAX_ATTEMPTS: '2' },
  });
  owner = await registerUser(t.app);
  other = await registerUser(t.app);
  await activateProvider(t.app, owner, { provider: 'imagerouter', api_key: KEY, base_url: fake.url });
});
beforeEach(() => fake.reset());
afterAll(async () => {
  await t.close();
  await fake.close();
});

async function generate(user: TestUser, payload: Record<string, unknown>) {
  const res = await t.app.inject({
    method: 'POST',
    url: '/v1/images/generations',
    headers: user.headers,
    payload,
  });
  expect(res.statusCode, res.body).toBe(202);
  return json<{ job_id: string; status: string }>(res);
}

/** Long-polls the job as the portal would, until it is finished. */
async function settle(user: TestUser, jobId: string): Promise<JobBody> {
  for (let i = 0; i < 20; i++) {
    const res = await t.app.inject({ url: `/v1/jobs/${jobId}?wait=10`, headers: user.headers });
    expect(res.statusCode).toBe(200);
    const job = json<JobBody>(res);
    if (['completed', 'failed', 'cancelled'].includes(job.status)) return job;
  }
  throw new Error('the job never finished');
}

describe('POST /v1/images/generations', () => {
  it('stores a b64_json answer as a PNG only its owner can read', async () => {
    fake.configure({ imageFormat: 'b64_json' });
    const accepted = await generate(owner, { prompt: 'a red fox', model: 'test/model' });
    expect(accepted.status).toBe('pending');
    const job = await settle(owner, accepted.job_id);
    expect(job).toMatchObject({ status: 'completed', attempts: 1, error_log: null });
    const [image] = job.output_data?.images ?? [];
    expect(image?.path).toBe(`private/generated_images/${owner.id}/${accepted.job_id}.png`);
    expect(fake.requestsTo('images')[0]?.body).toMatchObject({
      prompt: 'a red fox',
      model: 'test/model',
      n: 1,
    });

    const mine = await t.app.inject({ url: `/v1/files/${image?.file_id}`, headers: owner.headers });
    expect(mine.statusCode).toBe(200);
    expect(mine.headers['content-type']).toBe('image/png');
    expect(mine.rawPayload.subarray(1, 4).toString()).toBe('PNG');
    // The URL the API shows is signed: it works without a token (an <img src>).
    const signed = await t.app.inject({ url: image?.url ?? '' });
    expect(signed.statusCode).toBe(200);

    const theirs = await t.app.inject({ url: `/v1/files/${image?.file_id}`, headers: other.headers });
    expect(theirs.statusCode).toBe(404);
    const theirJob = await t.app.inject({ url: `/v1/jobs/${accepted.job_id}`, headers: other.headers });
    expect(theirJob.statusCode).toBe(404);
  });

  it('downloads url answers and numbers several images', async () => {
    fake.configure({ imageFormat: 'url' });
    const accepted = await generate(owner, {
      prompt: 'two cats',
      model: 'test/model',
      n: 2,
      size: '512x512',
    });
    const job = await settle(owner, accepted.job_id);
    expect(job.status).toBe('completed');
    expect(job.output_data?.images.map((i) => i.path)).toEqual([
      `private/generated_images/${owner.id}/${accepted.job_id}_1.png`,
      `private/generated_images/${owner.id}/${accepted.job_id}_2.png`,
    ]);
    expect(fake.requestsTo('files')).toHaveLength(2);
    for (const image of job.output_data?.images ?? []) {
      const res = await t.app.inject({ url: `/v1/files/${image.file_id}`, headers: owner.headers });
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toBe('image/png');
    }
  });

  it('retries a provider 500 and then fails with a readable error and no key in it', async () => {
    fake.setBehavior({ kind: 'http_error', status: 500, only: ['images'] });
    const accepted = await generate(owner, { prompt: 'x', model: 'test/model' });
    const job = await settle(owner, accepted.job_id);
    expect(job).toMatchObject({ status: 'failed', attempts: 2 });
    expect(job.error_log).toMatch(/imagerouter answered HTTP 500/);
    expect(job.error_log).not.toContain(KEY);
    expect(fake.requestsTo('images')).toHaveLength(2);
  });

  it('fails at once on a 4xx (a wrong key), never repeating the key', async () => {
    fake.configure({ apiKey: 'sk-some-other-key-000000' });
    const accepted = await generate(owner, { prompt: 'x', model: 'test/model' });
    const job = await settle(owner, accepted.job_id);
    expect(job).toMatchObject({ status: 'failed', attempts: 1 });
    expect(job.error_log).toMatch(/HTTP 401/);
    expect(job.error_log).not.toContain(KEY);
    expect(t.logs.join('')).not.toContain(KEY);
  });

  it('fails at once when the user has no key for the provider', async () => {
    const accepted = await generate(other, { prompt: 'x', model: 'dall-e-3', provider: 'openai' });
    const job = await settle(other, accepted.job_id);
    expect(job).toMatchObject({ status: 'failed', attempts: 1 });
    expect(job.error_log).toMatch(/OpenAI/i);
  });

  it('answers 400 naming the field, and 401 without a token', async () => {
    for (const [payload, field] of [
      [{ model: 'm' }, 'prompt'],
      [{ prompt: 'p' }, 'model'],
      [{ prompt: 'p', model: 'm', n: 9 }, 'n'],
      [{ prompt: 'p', model: 'm', size: 'huge' }, 'size'],
      [{ prompt: 'p', model: 'm', provider: 'anthropic' }, 'provider'],
    ] as const) {
      const res = await t.app.inject({
        method: 'POST',
        url: '/v1/images/generations',
        headers: owner.headers,
        payload,
      });
      expect(res.statusCode).toBe(400);
      expect(json(res)).toMatchObject({ error: { code: 'validation_error', details: { field } } });
    }
    const anon = await t.app.inject({
      method: 'POST',
      url: '/v1/images/generations',
      payload: { prompt: 'p', model: 'm' },
    });
    expect(anon.statusCode).toBe(401);
  });
});
