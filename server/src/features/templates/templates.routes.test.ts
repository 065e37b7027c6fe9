import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { json, type TestApp } from '../../../test/helpers/build-test-app.js';
import { appWithTwoUsers, type TestUser } from '../../../test/helpers/factories.js';
import { parseVariables, renderTemplate } from './template-render.js';

interface T {
  id: string;
  name: string;
  content: string;
  builtin: boolean;
  variables: string[];
}

let t: TestApp;
let alice: TestUser;
let bob: TestUser;
beforeAll(async () => {
  ({ t, alice, bob } = await appWithTwoUsers());
});
afterAll(() => t.close());

const call = (
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE',
  url: string,
  user: TestUser | null = alice,
  payload?: InjectOptions['payload'],
): Promise<LightMyRequestResponse> =>
  t.app.inject({ method, url, headers: user?.headers ?? {}, ...(payload === undefined ? {} : { payload }) });

const create = async (user: TestUser, body: Record<string, unknown>) => {
  const res = await call('POST', '/v1/templates', user, body);
  expect(res.statusCode).toBe(201);
  return json<T>(res);
};

describe('template rendering', () => {
  it('parses distinct variables in order and fills them without re-expanding values', () => {
    expect(parseVariables('{{a}} and {{ b }} then {{a}}; {{not a var}} {x}')).toEqual(['a', 'b']);
    expect(renderTemplate('Hi {{ name }}, {{n}}!', { name: '{{n}}', n: 3 })).toBe('Hi {{n}}, 3!');
  });
});

describe('GET /templates', () => {
  it('lists the built-ins first, then only the caller’s own', async () => {
    await create(bob, { name: 'Bob’s', content: 'secret {{x}}' });
    const mine = await create(alice, {
      name: 'Haiku',
      description: 'a poem',
      content: 'Write a haiku about {{topic}}',
    });
    const res = await call('GET', '/api/v1/templates');
    expect(res.statusCode).toBe(200);
    const list = json<{ templates: T[] }>(res).templates;
    const builtins = list.filter((x) => x.builtin);
    expect(builtins.length).toBeGreaterThanOrEqual(4);
    expect(builtins.map((x) => x.id)).toContain('builtin:summarize');
    expect(builtins.find((x) => x.id === 'builtin:translate')?.variables).toEqual([
      'target_language',
      'text',
    ]);
    expect(list.filter((x) => !x.builtin)).toEqual([
      expect.objectContaining({ id: mine.id, variables: ['topic'] }),
    ]);
  });

  it('answers 401 without a token', async () => {
    expect((await call('GET', '/v1/templates', null)).statusCode).toBe(401);
  });
});

describe('POST, PATCH, DELETE /templates', () => {
  it('creates, changes and deletes a template', async () => {
    const made = await create(alice, { name: 'Greet', content: 'Hello {{name}}' });
    expect(made).toMatchObject({ builtin: false, description: '', variables: ['name'] });
    const patched = await call('PATCH', `/v1/templates/${made.id}`, alice, {
      content: 'Hi {{name}} from {{place}}',
    });
    expect(patched.statusCode).toBe(200);
    expect(json(patched)).toMatchObject({ name: 'Greet', variables: ['name', 'place'] });
    expect((await call('DELETE', `/v1/templates/${made.id}`)).statusCode).toBe(204);
    expect((await call('GET', `/v1/templates/${made.id}`)).statusCode).toBe(404);
  });

  it('answers 400 naming the field', async () => {
    const noName = await call('POST', '/v1/templates', alice, { content: 'x' });
    expect(noName.statusCode).toBe(400);
    expect(json(noName)).toMatchObject({ error: { details: { field: 'name' } } });
    const made = await create(alice, { name: 'Edit me', content: 'x' });
    const empty = await call('PATCH', `/v1/templates/${made.id}`, alice, { content: '' });
    expect(json(empty)).toMatchObject({ error: { details: { field: 'content' } } });
    const unknown = await call('PATCH', `/v1/templates/${made.id}`, alice, { colour: 'red' });
    expect(unknown.statusCode).toBe(400);
    const badId = await call('PATCH', '/v1/templates/nope', alice, { name: 'x' });
    expect(json(badId)).toMatchObject({ error: { details: { field: 'id' } } });
  });

  it('refuses to change or delete a built-in with 403, and an unknown built-in is 404', async () => {
    const patch = await call('PATCH', '/v1/templates/builtin:summarize', alice, { name: 'Mine now' });
    expect(patch.statusCode).toBe(403);
    expect(json(patch)).toMatchObject({ error: { code: 'forbidden' } });
    expect((await call('DELETE', '/v1/templates/builtin:summarize')).statusCode).toBe(403);
    expect((await call('DELETE', '/v1/templates/builtin:nothing')).statusCode).toBe(404);
  });

  it('answers 404 for another user’s template and 401 without a token', async () => {
    const theirs = await create(bob, { name: 'Private', content: 'p {{q}}' });
    expect((await call('GET', `/v1/templates/${theirs.id}`)).statusCode).toBe(404);
    expect((await call('PATCH', `/v1/templates/${theirs.id}`, alice, { name: 'x' })).statusCode).toBe(404);
    expect((await call('DELETE', `/v1/templates/${theirs.id}`)).statusCode).toBe(404);
    expect(
      (await call('POST', `/v1/templates/${theirs.id}/render`, alice, { variables: { q: 1 } })).statusCode,
    ).toBe(404);
    expect(json(await call('GET', `/v1/templates/${theirs.id}`, bob))).toMatchObject({ name: 'Private' });
    expect((await call('POST', '/v1/templates', null, { name: 'x', content: 'y' })).statusCode).toBe(401);
    expect((await call('DELETE', `/v1/templates/${theirs.id}`, null)).statusCode).toBe(401);
  });
});

describe('POST /templates/{id}/render', () => {
  it('renders a built-in and an own template', async () => {
    const res = await call('POST', '/v1/templates/builtin:translate/render', alice, {
      variables: { target_language: 'French', text: 'Good morning' },
    });
    expect(res.statusCode).toBe(200);
    expect(json<{ prompt: string }>(res).prompt).toMatch(
      /^Translate the following text into French\..*\n\nGood morning$/s,
    );
    const own = await create(alice, { name: 'Count', content: '{{n}} times {{ word }}' });
    const rendered = await call('POST', `/v1/templates/${own.id}/render`, alice, {
      variables: { n: 3, word: 'hi' },
    });
    expect(json(rendered)).toEqual({ prompt: '3 times hi' });
  });

  it('answers 400 naming a missing variable', async () => {
    const res = await call('POST', '/v1/templates/builtin:draft-email/render', alice, {
      variables: { recipient: 'Ann' },
    });
    expect(res.statusCode).toBe(400);
    expect(json(res)).toMatchObject({
      error: { code: 'validation_error', details: { field: 'variables.topic', missing: ['topic', 'tone'] } },
    });
    const badValue = await call('POST', '/v1/templates/builtin:summarize/render', alice, {
      variables: { text: { a: 1 } },
    });
    expect(json(badValue)).toMatchObject({ error: { details: { field: 'variables.text' } } });
    expect(
      (await call('POST', '/v1/templates/builtin:summarize/render', null, { variables: {} })).statusCode,
    ).toBe(401);
  });
});
