/** The cases of the API fuzz pass (src/app.fuzz.test.ts), built from one OpenAPI operation. */
import {
  BODY_VALUES,
  exampleOf,
  fieldPaths,
  type Operation,
  PATH_VALUES,
  QUERY_VALUES,
  wholeBodies,
  withValue,
} from './fuzz.js';
import { multipartCases } from './fuzz-multipart.js';

export const MULTIPART = new Set(['POST /v1/files', 'PUT /v1/users/me/avatar', 'POST /v1/chats/import']);
export interface Case {
  name: string;
  url: string;
  headers?: Record<string, string>;
  payload?: string | Buffer;
}

/** The real values a case starts from: a path parameter's id, a uuid for body fields, the upload's chat. */
export interface FuzzIds {
  pathValue(route: string, name: string): string;
  uuid: string;
  chatId: string;
}

/** Every case for one operation: each path, query and header parameter and each body field broken in turn. */
export function casesFor(key: string, route: string, op: Operation, bodyLimit: number, ids: FuzzIds): Case[] {
  const { pathValue } = ids;
  const params = op.parameters ?? [];
  const pathOf = (override: Record<string, string> = {}) =>
    route.replace(/\{(\w+)\}/g, (_m, n: string) => override[n] ?? encodeURIComponent(pathValue(route, n)));
  const baseQuery = params
    .filter((p) => p.in === 'query' && p.required)
    .map((p) => `${p.name}=fuzz`)
    .join('&');
  const withQuery = (path: string, extra = '') =>
    `${path}${baseQuery || extra ? '?' : ''}${[baseQuery, extra].filter(Boolean).join('&')}`;
  const jsonSchema = op.requestBody?.content?.['application/json']?.schema;
  const base = exampleOf(jsonSchema, { uuid: ids.uuid });
  const jsonCase = (name: string, body: unknown): Case => ({
    name,
    url: withQuery(pathOf()),
    headers: { 'content-type': 'application/json' },
    payload: JSON.stringify(body),
  });
  const cases: Case[] = [];
  for (const p of params.filter((x) => x.in === 'path')) {
    for (const [n, v] of Object.entries(PATH_VALUES)) {
      cases.push({ name: `path.${p.name}=${n}`, url: withQuery(pathOf({ [p.name]: v })) });
    }
  }
  for (const p of params.filter((x) => x.in === 'query')) {
    const others = baseQuery
      .split('&')
      .filter((kv) => kv && !kv.startsWith(`${p.name}=`))
      .join('&');
    const url = (q: string) => `${pathOf()}?${[others, q].filter(Boolean).join('&')}`;
    for (const [n, v] of Object.entries(QUERY_VALUES))
      cases.push({ name: `query.${p.name}=${n}`, url: url(`${p.name}=${v}`) });
    cases.push({ name: `query.${p.name}=repeated`, url: url(`${p.name}=1&${p.name}=2`) });
    cases.push({ name: `query.${p.name}=bracket`, url: url(`${p.name}[a]=1`) });
  }
  cases.push({ name: 'query.nul_name', url: withQuery(pathOf(), '%00=1') });
  for (const p of params.filter((x) => x.in === 'header')) {
    for (const v of ['abc', '-1', '1e999', '9'.repeat(400), '']) {
      cases.push({
        name: `header.${p.name}=${v.slice(0, 8)}`,
        url: withQuery(pathOf()),
        headers: { [p.name]: v },
      });
    }
  }
  if (MULTIPART.has(key)) {
    for (const c of multipartCases(ids.chatId)) cases.push({ ...c, url: withQuery(pathOf()) });
  }
  if (key.startsWith('GET ')) return cases;
  for (const [n, type, raw] of wholeBodies(bodyLimit)) {
    cases.push({
      name: `body=${n}`,
      url: withQuery(pathOf()),
      ...(type ? { headers: { 'content-type': type } } : {}),
      payload: raw,
    });
  }
  for (const path of fieldPaths(jsonSchema)) {
    for (const [n, v] of Object.entries(BODY_VALUES))
      cases.push(jsonCase(`body.${path.join('.')}=${n}`, withValue(base, path, v)));
  }
  return cases;
}
