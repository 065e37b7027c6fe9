/** Broken multipart/form-data requests for the upload routes of the API fuzz pass. */
import { randomUUID } from 'node:crypto';
import { multipartBody, PNG_BYTES } from './multipart.js';

export interface RawCase {
  name: string;
  headers: Record<string, string>;
  payload: Buffer | string;
}

/** A part built from raw bytes, so names and file names can hold anything (NUL, invalid UTF-8). */
function rawPart(boundary: string, disposition: Buffer, content: Buffer): Buffer {
  return Buffer.concat([
    Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; `),
    disposition,
    Buffer.from('\r\nContent-Type: image/png\r\n\r\n'),
    content,
    Buffer.from('\r\n'),
  ]);
}

function rawBody(parts: Buffer[], boundary = 'fuzzboundary'): Omit<RawCase, 'name'> {
  return {
    headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
    payload: Buffer.concat([...parts, Buffer.from(`--${boundary}--\r\n`)]),
  };
}

const fileNamed = (name: Buffer) =>
  rawBody([
    rawPart(
      'fuzzboundary',
      Buffer.concat([Buffer.from('name="file"; filename="'), name, Buffer.from('"')]),
      PNG_BYTES,
    ),
  ]);

export function multipartCases(chatId: string): RawCase[] {
  const valid = multipartBody([{ name: 'file', filename: 'a.png', content: PNG_BYTES }]);
  const validType = valid.headers['content-type'] ?? '';
  const cases: RawCase[] = [
    { name: 'mp.no_boundary', headers: { 'content-type': 'multipart/form-data' }, payload: valid.payload },
    {
      name: 'mp.empty_boundary',
      headers: { 'content-type': 'multipart/form-data; boundary=' },
      payload: valid.payload,
    },
    {
      name: 'mp.wrong_boundary',
      headers: { 'content-type': 'multipart/form-data; boundary=nope' },
      payload: valid.payload,
    },
    {
      name: 'mp.huge_boundary',
      headers: { 'content-type': `multipart/form-data; boundary=${'b'.repeat(5000)}` },
      payload: valid.payload,
    },
    {
      name: 'mp.truncated_file',
      headers: { 'content-type': validType },
      payload: valid.payload.subarray(0, valid.payload.length - 30),
    },
    {
      name: 'mp.truncated_headers',
      headers: { 'content-type': validType },
      payload: valid.payload.subarray(0, 60),
    },
    { name: 'mp.empty', headers: { 'content-type': validType }, payload: Buffer.alloc(0) },
    {
      name: 'mp.garbage',
      headers: { 'content-type': validType },
      payload: Buffer.from('\u0000\u0001garbage\r\n\r\n'),
    },
    { name: 'mp.json_instead', headers: { 'content-type': 'application/json' }, payload: '{"file":"x"}' },
  ];
  const names: [string, Buffer][] = [
    ['nul', Buffer.from('a\u0000b.png')],
    ['utf8_surrogate', Buffer.from([0x61, 0xed, 0xa0, 0x80, 0x2e, 0x70, 0x6e, 0x67])],
    ['invalid_utf8', Buffer.from([0x61, 0xc0, 0xaf, 0x2e, 0x70, 0x6e, 0x67])],
    ['huge', Buffer.from(`${'n'.repeat(5000)}.png`)],
    ['empty', Buffer.alloc(0)],
    ['traversal', Buffer.from('../../../etc/passwd')],
  ];
  for (const [n, name] of names) {
    cases.push({ name: `mp.filename=${n}`, ...fileNamed(name) });
  }
  const fields: [string, string][] = [
    ['nul', 'a\u0000b'],
    ['word', 'abc'],
    ['random_uuid', randomUUID()],
    ['huge', 'x'.repeat(5000)],
    ['valid', chatId],
  ];
  for (const [n, value] of fields) {
    const body = multipartBody([
      { name: 'chat_id', value },
      { name: 'file', filename: 'a.png', content: PNG_BYTES },
    ]);
    cases.push({ name: `mp.chat_id=${n}`, headers: body.headers, payload: body.payload });
  }
  const noFile = multipartBody([{ name: 'other', value: 'x' }]);
  cases.push({ name: 'mp.no_file_part', headers: noFile.headers, payload: noFile.payload });
  const two = multipartBody([
    { name: 'file', filename: 'a.png', content: PNG_BYTES },
    { name: 'file', filename: 'b.png', content: PNG_BYTES },
  ]);
  cases.push({ name: 'mp.two_files', headers: two.headers, payload: two.payload });
  const big = multipartBody([
    { name: 'file', filename: 'a.png', content: Buffer.concat([PNG_BYTES, Buffer.alloc(200_000)]) },
  ]);
  cases.push({ name: 'mp.too_large', headers: big.headers, payload: big.payload });
  cases.push({
    name: 'mp.part_name=nul',
    ...rawBody([rawPart('fuzzboundary', Buffer.from('name="fi\u0000le"; filename="a.png"'), PNG_BYTES)]),
  });
  cases.push({
    name: 'mp.no_disposition',
    ...rawBody([Buffer.from('--fuzzboundary\r\nContent-Type: image/png\r\n\r\nxyz\r\n')]),
  });
  return cases;
}
