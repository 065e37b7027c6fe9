/**
 * The hostile inputs of the API fuzz pass (test/api-fuzz.test.ts) and a builder of a plausible request
 * from an OpenAPI operation, which each case then breaks in one place.
 */
import { randomUUID } from 'node:crypto';

export interface JsonSchema {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  enum?: unknown[];
  format?: string;
  minimum?: number;
  minLength?: number;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  allOf?: JsonSchema[];
  items?: JsonSchema;
  default?: unknown;
}

export interface Parameter {
  in: 'path' | 'query' | 'header';
  name: string;
  required?: boolean;
  schema?: JsonSchema;
}

export interface Operation {
  parameters?: Parameter[];
  requestBody?: { content?: Record<string, { schema?: JsonSchema }> };
}

/** Values that replace one field of a JSON body. */
export const BODY_VALUES: Record<string, unknown> = {
  nul: 'a\u0000b',
  only_nul: '\u0000',
  lone_high_surrogate: 'a\ud800b',
  lone_low_surrogate: '\udc00',
  empty_string: '',
  huge_string: 'x'.repeat(300_000),
  number: 12345,
  negative: -1,
  float: 1.5,
  huge_number: 1e308,
  bool: true,
  null: null,
  array: [1, 'a\u0000'],
  object: {},
  nul_key: { '\u0000': 'x' },
  surrogate_key: { '\ud800': 1 },
  numeric_string: '12',
  date_like: '9999-99-99T99:99:99Z',
};

/** Raw values (already URL-encoded) that every query and path parameter is tried with. */
const RAW_VALUES: Record<string, string> = {
  nul: '%00',
  nul_inside: 'a%00b',
  utf8_surrogate: '%ED%A0%80',
  overlong_slash: '%C0%AF',
  bad_escape: '%',
  huge: 'x'.repeat(5000),
};

/** Raw query-string values (already URL-encoded) for one parameter. */
export const QUERY_VALUES: Record<string, string> = {
  ...RAW_VALUES,
  negative: '-1',
  zero: '0',
  float: '1.5',
  exponent: '1e999',
  word: 'abc',
  empty: '',
  uuid: randomUUID(),
};

/** Raw path-segment values (already URL-encoded) for one path parameter. */
export const PATH_VALUES: Record<string, string> = {
  ...RAW_VALUES,
  word: 'abc',
  zero_uuid: '00000000-0000-0000-0000-000000000000',
  random_uuid: randomUUID(),
  upper_uuid: randomUUID().toUpperCase(),
  traversal: '..%2F..%2Fetc%2Fpasswd',
  space: '%20',
  number: '12345678901234567890',
};

/** Whole-body cases: [name, content-type or null for none, raw payload]. */
export function wholeBodies(bodyLimitBytes: number): [string, string | null, string | Buffer][] {
  return [
    ['no_body', null, ''],
    ['empty_json_type', 'application/json', ''],
    ['empty_object', 'application/json', '{}'],
    ['empty_array', 'application/json', '[]'],
    ['json_null', 'application/json', 'null'],
    ['json_nul_string', 'application/json', '"\\u0000"'],
    ['json_number', 'application/json', '42'],
    ['malformed', 'application/json', '{"a":'],
    ['trailing_garbage', 'application/json', '{} x'],
    ['proto_key', 'application/json', '{"__proto__":{"admin":true}}'],
    ['nul_key', 'application/json', '{"\\u0000":1}'],
    ['raw_nul_byte', 'application/json', '{"a":"\u0000"}'],
    [
      'invalid_utf8',
      'application/json',
      Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xc0, 0xaf, 0x22, 0x7d]),
    ],
    ['deep_nesting', 'application/json', `${'['.repeat(5000)}${']'.repeat(5000)}`],
    ['too_large', 'application/json', `"${'x'.repeat(bodyLimitBytes + 16)}"`],
    ['text_plain', 'text/plain', 'hello'],
    ['form_urlencoded', 'application/x-www-form-urlencoded', 'a=b'],
    ['bad_content_type', 'application/json; charset=ebcdic', '{}'],
    ['garbage_content_type', '\u00ff/\u00ff', '{}'],
  ];
}

const first = (s: JsonSchema): JsonSchema => {
  const alts = s.anyOf ?? s.oneOf ?? s.allOf;
  return alts?.find((a) => a.type !== 'null') ?? s;
};

/** A plausible value for a schema: required fields filled, so a case breaks one thing at a time. */
export function exampleOf(schema: JsonSchema | undefined, ids: { uuid: string }): unknown {
  if (!schema) return undefined;
  const s = first(schema);
  if (s.enum?.length) return s.enum[0];
  const type = Array.isArray(s.type) ? s.type.find((t) => t !== 'null') : s.type;
  if (type === 'object' || s.properties) {
    const props = s.properties ?? {};
    const required = s.required?.length ? s.required : Object.keys(props).slice(0, 1);
    return Object.fromEntries(required.map((k) => [k, exampleOf(props[k], ids)]));
  }
  if (type === 'array') return [];
  if (type === 'boolean') return true;
  if (type === 'integer' || type === 'number') return s.minimum ?? 1;
  if (s.format === 'uuid') return ids.uuid;
  if (s.format === 'email') return `fuzz-${randomUUID().slice(0, 8)}@example.com`;
  if (s.format === 'date-time') return new Date(Date.now() + 86_400_000).toISOString();
  if (s.format === 'date') return '2000-01-01';
  if (s.format === 'uri') return 'http://127.0.0.1:9/';
  return 'fuzz-value'.padEnd(s.minLength ?? 0, 'x');
}

/** Every field path of a body example worth breaking: top level, and one level into nested objects. */
export function fieldPaths(schema: JsonSchema | undefined): string[][] {
  const s = schema ? first(schema) : undefined;
  const out: string[][] = [];
  for (const [k, v] of Object.entries(s?.properties ?? {})) {
    out.push([k]);
    for (const inner of Object.keys(first(v).properties ?? {})) out.push([k, inner]);
  }
  return out;
}

/** A deep copy of `body` with the value at `path` replaced. */
export function withValue(body: unknown, path: string[], value: unknown): unknown {
  const [head, ...rest] = path;
  if (head === undefined) return value;
  const obj = typeof body === 'object' && body !== null && !Array.isArray(body) ? body : {};
  const copy: Record<string, unknown> = { ...obj };
  copy[head] = withValue(copy[head], rest, value);
  return copy;
}
