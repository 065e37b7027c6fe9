import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, json, type TestApp } from '../../../test/helpers/build-test-app.js';
import { registerUser, type TestUser } from '../../../test/helpers/factories.js';
import { multipartBody, PNG_BYTES } from '../../../test/helpers/multipart.js';
import { chats } from '../../db/schema/index.js';
import { newId } from '../../lib/ids.js';
import { UrlSigner } from '../../storage/signed-url.js';

const LIMIT = 64 * 1024;
let t: TestApp;
let owner: TestUser;
let other: TestUser;

interface FileBody {
  id: string;
  name: string;
  size: number;
  content_type: string;
  url: string;
  chat_id: string | null;
}

beforeAll(async () => {
  t = await buildTestApp({ env: { MAX_UPLOAD_MB: String(LIMIT / 1024 / 1024) } });
  owner = await registerUser(t.app);
  other = await registerUser(t.app);
});
afterAll(() => t.close());

async function upload(
  user: TestUser | null,
  filename: string,
  content: Buffer,
  extra: { chat_id?: string } = {},
) {
  const body = multipartBody([
    ...(extra.chat_id ? [{ name: 'chat_id', value: extra.chat_id }] : []),
    { name: 'file', filename, content },
  ]);
  return t.app.inject({
    method: 'POST',
    url: '/v1/files',
    headers: { ...body.headers, ...(user ? user.headers : {}) },
    payload: body.payload,
  });
}

/** Every file under the store's root, relative to it (temporary files included). */
function filesOnDisk(dir = t.config.filesDir): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((d) => d.isFile())
    .map((d) => path.relative(t.config.filesDir, path.join(d.parentPath, d.name)));
}

async function chatOf(user: TestUser): Promise<string> {
  const id = newId();
  await t.database.db.insert(chats).values({ id, userId: user.id, title: 'files' });
  return id;
}

describe('files', () => {
  it('uploads, lists, downloads and deletes a file', async () => {
    const res = await upload(owner, 'notes.txt', Buffer.from('hello files\n'));
    expect(res.statusCode, res.body).toBe(201);
    const file = json<FileBody>(res);
    expect(file).toMatchObject({
      name: 'notes.txt',
      size: 12,
      content_type: 'text/plain; charset=utf-8',
      chat_id: null,
    });
    expect(file.url).toMatch(new RegExp(`^/v1/files/${file.id}\\?expires=\\d+&sig=`));
    expect(filesOnDisk()).toContain(`private/user_files/${owner.id}/no-chat/notes.txt`);

    const list = json<{ files: FileBody[] }>(
      await t.app.inject({ url: '/v1/files', headers: owner.headers }),
    );
    expect(list.files.map((f) => f.id)).toContain(file.id);
    const down = await t.app.inject({ url: `/v1/files/${file.id}`, headers: owner.headers });
    expect(down.statusCode).toBe(200);
    expect(down.body).toBe('hello files\n');
    expect(down.headers['x-content-type-options']).toBe('nosniff');
    expect(down.headers['content-disposition']).toBe("attachment; filename*=UTF-8''notes.txt");

    const del = await t.app.inject({ method: 'DELETE', url: `/v1/files/${file.id}`, headers: owner.headers });
    expect(del.statusCode).toBe(204);
    expect((await t.app.inject({ url: `/v1/files/${file.id}`, headers: owner.headers })).statusCode).toBe(
      404,
    );
    expect(filesOnDisk()).not.toContain(`private/user_files/${owner.id}/no-chat/notes.txt`);
  });

  it('keeps two uploads with the same name apart', async () => {
    const a = json<FileBody>(await upload(owner, 'same.txt', Buffer.from('a')));
    const b = json<FileBody>(await upload(owner, 'same.txt', Buffer.from('b')));
    expect(a.name).toBe('same.txt');
    expect(b.name).toMatch(/^same-[0-9a-f]{6}\.txt$/);
    const again = await t.app.inject({ url: `/v1/files/${a.id}`, headers: owner.headers });
    expect(again.body).toBe('a');
  });

  it("answers 404 for another user's file, and leaves it alone", async () => {
    const file = json<FileBody>(await upload(owner, 'secret.txt', Buffer.from('mine')));
    for (const method of ['GET', 'DELETE'] as const) {
      const res = await t.app.inject({ method, url: `/v1/files/${file.id}`, headers: other.headers });
      expect(res.statusCode).toBe(404);
    }
    const theirs = json<{ files: FileBody[] }>(
      await t.app.inject({ url: '/v1/files', headers: other.headers }),
    );
    expect(theirs.files.map((f) => f.id)).not.toContain(file.id);
    expect((await t.app.inject({ url: `/v1/files/${file.id}`, headers: owner.headers })).body).toBe('mine');
  });

  it('sanitizes names: no traversal, no control characters', async () => {
    const cases: [string, string][] = [
      ['../../../etc/passwd', 'passwd'],
      ['..\\..\\boot.ini', 'boot.ini'],
      ['..', 'file'],
      ['.hidden', 'hidden'],
      ['bad\u0001na\u007fme<>.txt', 'badname__.txt'],
    ];
    for (const [raw, expected] of cases) {
      const res = await upload(owner, raw, Buffer.from('x'));
      expect(res.statusCode, raw).toBe(201);
      expect(json<FileBody>(res).name).toMatch(new RegExp(`^${expected.replace('.', '(-[0-9a-f]{6})?\\.')}`));
    }
    expect(filesOnDisk().every((f) => f.startsWith(`private/user_files/${owner.id}/no-chat/`))).toBe(true);
  });

  it('refuses an oversized upload with 413 and leaves nothing on disk', async () => {
    const before = filesOnDisk();
    const res = await upload(owner, 'big.bin', Buffer.alloc(LIMIT + 1024, 1));
    expect(res.statusCode).toBe(413);
    expect(json(res)).toMatchObject({ error: { code: 'payload_too_large' } });
    expect(filesOnDisk()).toEqual(before);
    const list = json<{ files: FileBody[] }>(
      await t.app.inject({ url: '/v1/files', headers: owner.headers }),
    );
    expect(list.files.map((f) => f.name)).not.toContain('big.bin');
    const exact = await upload(owner, 'exact.bin', Buffer.alloc(LIMIT, 1));
    expect(exact.statusCode).toBe(201);
    expect(json<FileBody>(exact)).toMatchObject({ size: LIMIT, content_type: 'application/octet-stream' });
  });

  it("files a chat's upload under it; another user's chat is 404 and a bad id 400", async () => {
    const chatId = await chatOf(owner);
    const res = await upload(owner, 'in-chat.txt', Buffer.from('c'), { chat_id: chatId });
    expect(res.statusCode, res.body).toBe(201);
    expect(json<FileBody>(res).chat_id).toBe(chatId);
    expect(filesOnDisk()).toContain(`private/user_files/${owner.id}/${chatId}/in-chat.txt`);
    const filtered = json<{ files: FileBody[] }>(
      await t.app.inject({ url: `/v1/files?chat_id=${chatId}`, headers: owner.headers }),
    );
    expect(filtered.files.map((f) => f.name)).toEqual(['in-chat.txt']);

    const foreign = await upload(other, 'x.txt', Buffer.from('x'), { chat_id: chatId });
    expect(foreign.statusCode).toBe(404);
    const bad = await upload(owner, 'x.txt', Buffer.from('x'), { chat_id: 'not-a-uuid' });
    expect(bad.statusCode).toBe(400);
    expect(json(bad)).toMatchObject({ error: { details: { field: 'chat_id' } } });
  });

  it('serves a signed link without a token until it expires', async () => {
    const file = json<FileBody>(await upload(owner, 'signed.txt', Buffer.from('signed')));
    const ok = await t.app.inject({ url: file.url });
    expect(ok.statusCode).toBe(200);
    expect(ok.body).toBe('signed');

    const signer = new UrlSigner(t.config.jwtSecret);
    const expired = signer.sign(`/v1/files/${file.id}`, file.id, 60, Date.now() - 3_600_000);
    expect((await t.app.inject({ url: expired })).statusCode).toBe(401);
    const tampered = file.url.replace(/sig=.{4}/, 'sig=AAAA');
    expect((await t.app.inject({ url: tampered })).statusCode).toBe(401);
    // A link signs one file only.
    const another = json<FileBody>(await upload(owner, 'another.txt', Buffer.from('x')));
    expect((await t.app.inject({ url: file.url.replace(file.id, another.id) })).statusCode).toBe(401);
  });

  it('answers 401 without a token and 400 naming the field for a bad upload', async () => {
    expect((await upload(null, 'a.txt', Buffer.from('a'))).statusCode).toBe(401);
    expect((await t.app.inject({ url: '/v1/files' })).statusCode).toBe(401);
    const file = json<FileBody>(await upload(owner, 'a.txt', Buffer.from('a')));
    expect((await t.app.inject({ url: `/v1/files/${file.id}` })).statusCode).toBe(401);
    expect((await t.app.inject({ method: 'DELETE', url: `/v1/files/${file.id}` })).statusCode).toBe(401);

    const notMultipart = await t.app.inject({
      method: 'POST',
      url: '/v1/files',
      headers: owner.headers,
      payload: { a: 1 },
    });
    expect(notMultipart.statusCode).toBe(400);
    expect(json(notMultipart)).toMatchObject({ error: { details: { field: 'file' } } });
    const noFile = multipartBody([{ name: 'chat_id', value: newId() }]);
    const empty = await t.app.inject({
      method: 'POST',
      url: '/v1/files',
      headers: { ...owner.headers, ...noFile.headers },
      payload: noFile.payload,
    });
    expect(empty.statusCode).toBe(400);
    expect(json(empty)).toMatchObject({ error: { details: { field: 'file' } } });
    const badId = await t.app.inject({ url: '/v1/files/not-a-uuid', headers: owner.headers });
    expect(badId.statusCode).toBe(400);
  });
});

describe('PUT /v1/users/me/avatar', () => {
  const putAvatar = (user: TestUser | null, content: Buffer) => {
    const body = multipartBody([{ name: 'file', filename: 'me.png', content }]);
    return t.app.inject({
      method: 'PUT',
      url: '/v1/users/me/avatar',
      headers: { ...body.headers, ...(user ? user.headers : {}) },
      payload: body.payload,
    });
  };

  it('stores a PNG publicly and points avatar_url at it', async () => {
    const res = await putAvatar(owner, PNG_BYTES);
    expect(res.statusCode, res.body).toBe(200);
    const { avatar_url } = json<{ avatar_url: string }>(res);
    expect(avatar_url).toMatch(new RegExp(`^/v1/files/public/avatars/${owner.id}\\.png\\?v=[0-9a-f]{12}$`));
    const pub = await t.app.inject({ url: avatar_url });
    expect(pub.statusCode).toBe(200);
    expect(pub.headers['content-type']).toBe('image/png');
    expect(pub.rawPayload.equals(PNG_BYTES)).toBe(true);
    const me = json<{ avatar_url: string }>(
      await t.app.inject({ url: '/v1/auth/me', headers: owner.headers }),
    );
    expect(me.avatar_url).toBe(avatar_url);
    expect(
      readFileSync(path.join(t.config.filesDir, 'public/avatars', `${owner.id}.png`)).equals(PNG_BYTES),
    ).toBe(true);
  });

  it('shows the new avatar in /auth/me even when the profile was read (and kept in memory) before', async () => {
    const user = await registerUser(t.app);
    const before = json<{ avatar_url: string | null }>(
      await t.app.inject({ url: '/v1/auth/me', headers: user.headers }),
    );
    expect(before.avatar_url).toBeNull();
    const res = await putAvatar(user, PNG_BYTES);
    expect(res.statusCode, res.body).toBe(200);
    const after = json<{ avatar_url: string }>(
      await t.app.inject({ url: '/v1/auth/me', headers: user.headers }),
    );
    expect(after.avatar_url).toBe(json<{ avatar_url: string }>(res).avatar_url);
  });

  it('refuses a file that is not a PNG, JPEG or WebP (by its bytes) and keeps the old picture', async () => {
    const res = await putAvatar(owner, Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"></svg>'));
    expect(res.statusCode).toBe(400);
    expect(json(res)).toMatchObject({ error: { code: 'validation_error', details: { field: 'file' } } });
    const kept = readFileSync(path.join(t.config.filesDir, 'public/avatars', `${owner.id}.png`));
    expect(kept.equals(PNG_BYTES)).toBe(true);
    expect(filesOnDisk().some((f) => f.startsWith('.tmp/'))).toBe(false);
  });

  it('answers 401 without a token and 404 for an unknown public avatar', async () => {
    expect((await putAvatar(null, PNG_BYTES)).statusCode).toBe(401);
    expect((await t.app.inject({ url: `/v1/files/public/avatars/${newId()}.png` })).statusCode).toBe(404);
  });
});

describe('deleteAllForUser', () => {
  it("removes a user's rows and bytes, and nobody else's", async () => {
    const gone = await registerUser(t.app);
    await upload(gone, 'a.txt', Buffer.from('a'));
    await putAvatar(gone);
    const kept = json<FileBody>(await upload(owner, 'kept.txt', Buffer.from('k')));
    await t.app.ctx.services.files.deleteAllForUser(gone.id);
    expect(filesOnDisk().some((f) => f.includes(gone.id))).toBe(false);
    const list = json<{ files: FileBody[] }>(await t.app.inject({ url: '/v1/files', headers: gone.headers }));
    expect(list.files).toEqual([]);
    expect((await t.app.inject({ url: `/v1/files/${kept.id}`, headers: owner.headers })).statusCode).toBe(
      200,
    );
  });

  it('runs when an account deletes itself', async () => {
    const leaving = await registerUser(t.app);
    await upload(leaving, 'mine.txt', Buffer.from('bye'));
    await putAvatar(leaving);
    expect(filesOnDisk().some((f) => f.includes(leaving.id))).toBe(true);
    const del = await t.app.inject({ method: 'DELETE', url: '/v1/users/me', headers: leaving.headers });
    expect(del.statusCode).toBe(204);
    expect(filesOnDisk().some((f) => f.includes(leaving.id))).toBe(false);
  });

  async function putAvatar(user: TestUser) {
    const body = multipartBody([{ name: 'file', filename: 'a.png', content: PNG_BYTES }]);
    const res = await t.app.inject({
      method: 'PUT',
      url: '/v1/users/me/avatar',
      headers: { ...body.headers, ...user.headers },
      payload: body.payload,
    });
    expect(res.statusCode).toBe(200);
  }
});

describe('/docs/json', () => {
  it('documents the files, jobs and images routes', async () => {
    const res = await t.app.inject({ url: '/docs/json' });
    expect(res.statusCode).toBe(200);
    const paths = json<{ paths: Record<string, Record<string, unknown>> }>(res).paths;
    for (const [p, method] of [
      ['/v1/files', 'post'],
      ['/v1/files', 'get'],
      ['/v1/files/{id}', 'get'],
      ['/v1/files/{id}', 'delete'],
      ['/v1/users/me/avatar', 'put'],
      ['/v1/jobs', 'get'],
      ['/v1/jobs/{id}', 'get'],
      ['/v1/jobs/{id}', 'delete'],
      ['/v1/images/generations', 'post'],
    ] as const) {
      expect(paths[p]?.[method], `${method} ${p}`).toBeDefined();
    }
  });
});
