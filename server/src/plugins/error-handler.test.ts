import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, json, type TestApp } from '../../test/helpers/build-test-app.js';
import { registerUser, type TestUser } from '../../test/helpers/factories.js';
import { multipartBody, PNG_BYTES } from '../../test/helpers/multipart.js';

let t: TestApp;
let u: TestUser;
beforeAll(async () => {
  t = await buildTestApp({ env: { BODY_LIMIT_MB: '0.01' } });
  u = await registerUser(t.app);
});
afterAll(() => t.close());

type ErrorBody = {
  error: { code: string; message: string; request_id: string; details?: { field?: string } };
};

/** The one error shape, with the request id in the body and the header. */
function expectShape(res: LightMyRequestResponse, status: number, code: string): ErrorBody['error'] {
  expect(res.statusCode, res.body).toBe(status);
  const { error } = json<ErrorBody>(res);
  expect(error).toMatchObject({ code, message: expect.any(String), request_id: expect.any(String) });
  expect(res.headers['x-request-id']).toBe(error.request_id);
  return error;
}

describe("Fastify's own errors answer the one error shape", () => {
  it('a path that is not valid percent-encoded UTF-8', async () => {
    for (const url of ['/v1/chats/%C0%AF', '/v1/chats/%', '/api/v1/files/%ED%A0%80']) {
      const res = await t.app.inject({ method: 'GET', url, headers: u.headers });
      expect(expectShape(res, 400, 'validation_error').details?.field).toBe('params');
    }
  });

  it('a path parameter longer than the router allows, without echoing it', async () => {
    const res = await t.app.inject({
      method: 'GET',
      url: `/v1/chats/${'x'.repeat(5000)}`,
      headers: u.headers,
    });
    expectShape(res, 400, 'validation_error');
    expect(res.body.length).toBeLessThan(400);
  });

  it('malformed JSON, an empty JSON body, a content type nobody parses, a body too large', async () => {
    const post = (headers: Record<string, string>, payload: string) =>
      t.app.inject({ method: 'POST', url: '/v1/chats', headers: { ...u.headers, ...headers }, payload });
    expectShape(await post({ 'content-type': 'application/json' }, '{"title":'), 400, 'validation_error');
    expectShape(await post({ 'content-type': 'application/json' }, ''), 400, 'validation_error');
    expectShape(await post({ 'content-type': 'text/csv' }, 'a,b'), 415, 'unsupported_media_type');
    const big = JSON.stringify({ title: 'x'.repeat(20_000) });
    expectShape(await post({ 'content-type': 'application/json' }, big), 413, 'payload_too_large');
  });
});

describe('malformed multipart bodies are a 400 naming file', () => {
  const valid = multipartBody([{ name: 'file', filename: 'a.png', content: PNG_BYTES }]);
  const type = valid.headers['content-type'] ?? '';
  const cases: [string, string, Buffer][] = [
    ['no boundary', 'multipart/form-data', valid.payload],
    ['a boundary the body does not use', 'multipart/form-data; boundary=nope', valid.payload],
    ['a body cut short in the file', type, valid.payload.subarray(0, valid.payload.length - 30)],
    ['a body cut short in the part headers', type, valid.payload.subarray(0, 60)],
  ];
  for (const [method, url] of [
    ['POST', '/v1/files'],
    ['PUT', '/v1/users/me/avatar'],
  ] as const) {
    for (const [name, contentType, payload] of cases) {
      it(`${method} ${url}: ${name}`, async () => {
        const res = await t.app.inject({
          method,
          url,
          headers: { ...u.headers, 'content-type': contentType },
          payload,
        });
        expect(expectShape(res, 400, 'validation_error').details?.field).toBe('file');
      });
    }
  }
});
