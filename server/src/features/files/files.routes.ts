import multipart, { type MultipartFile } from '@fastify/multipart';
import {
  avatarResponse,
  fileInfo,
  fileList,
  fileListQuery,
  idParams,
  signedQuery,
  uploadQuery,
} from '@pocketllm/contracts';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AppContext } from '../../context.js';
import { AppError, invalidField } from '../../errors.js';
import { principalOf } from '../../plugins/auth.js';
import { assertStorable } from '../../plugins/input-guard.js';
import type { Download } from './files.service.js';

/**
 * A multipart body that does not parse (no or wrong boundary, cut short, garbage) is the client's fault: busboy
 * raises plain errors without a status, which would otherwise answer 500. Errors that carry one (limits → 413)
 * and our own pass through.
 */
function asMalformed(err: unknown): unknown {
  if (err instanceof AppError || !(err instanceof Error)) return err;
  if ('statusCode' in err && typeof err.statusCode === 'number') return err;
  return new AppError('validation_error', 'file: the multipart body is malformed or cut short', {
    details: { field: 'file' },
    cause: err,
  });
}

/** The one file part of a multipart request; fields sent before it are in `part.fields`. */
export async function filePart(req: FastifyRequest): Promise<MultipartFile> {
  if (!req.isMultipart()) throw invalidField('file', 'send multipart/form-data with a "file" part');
  const part = await req.file().catch((err: unknown) => {
    throw asMalformed(err);
  });
  if (!part) throw invalidField('file', 'a "file" part is required');
  try {
    // Names are read here, not by the JSON parser, so the app-wide input rule is applied by hand.
    assertStorable(part.filename, 'filename');
  } catch (err) {
    part.file.resume();
    throw err;
  }
  return part;
}

/** Runs `work` on the upload; a failure the upload stream itself carries (the body broke mid-file) is a 400. */
export async function readingUpload<T>(part: MultipartFile, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    throw part.file.errored && err === part.file.errored ? asMalformed(err) : err;
  }
}

function fieldValue(part: MultipartFile, name: string): string | undefined {
  const field = part.fields[name];
  const one = Array.isArray(field) ? field[0] : field;
  return one && one.type === 'field' ? String(one.value) : undefined;
}

function sendDownload(reply: FastifyReply, file: Download, cache: string) {
  const inline = file.contentType.startsWith('image/') || file.contentType === 'application/pdf';
  return reply
    .header('content-type', file.contentType)
    .header('content-length', String(file.size))
    .header('x-content-type-options', 'nosniff')
    .header('cache-control', cache)
    .header(
      'content-disposition',
      `${inline ? 'inline' : 'attachment'}; filename*=UTF-8''${encodeURIComponent(file.name)}`,
    )
    .send(file.stream);
}

export async function filesRoutes(app: FastifyInstance, ctx: AppContext) {
  const { files } = ctx.services;
  const tags = ['files'];
  // Multipart parsing only where uploads are accepted. Busboy stops one byte past the limit (it only
  // truncates at its own limit, silently), so the file store sees the excess byte and answers 413.
  await app.register(async (scope) => {
    await scope.register(multipart, {
      limits: { fileSize: ctx.config.maxUploadBytes + 1, files: 1, fields: 10, fieldSize: 1000, parts: 12 },
    });
    const r = scope.withTypeProvider<ZodTypeProvider>();

    r.post(
      '/files',
      {
        schema: {
          tags,
          summary: 'Upload a file (multipart "file"; optional chat_id field before it, or ?chat_id=)',
          consumes: ['multipart/form-data'],
          querystring: uploadQuery,
          response: { 201: fileInfo },
        },
      },
      async (req, reply) => {
        const part = await filePart(req);
        const chatId = req.query.chat_id ?? fieldValue(part, 'chat_id');
        if (chatId !== undefined && !z.uuid().safeParse(chatId).success) {
          part.file.resume();
          throw invalidField('chat_id', 'must be a UUID');
        }
        const input = { fileName: part.filename, source: part.file, ...(chatId ? { chatId } : {}) };
        const stored = await readingUpload(part, () => files.upload(principalOf(req).userId, input));
        return reply.code(201).send(stored);
      },
    );

    r.put(
      '/users/me/avatar',
      {
        schema: {
          tags: ['users'],
          summary: 'Upload a profile picture (PNG, JPEG or WebP; multipart "file")',
          consumes: ['multipart/form-data'],
          response: { 200: avatarResponse },
        },
      },
      async (req) => {
        const part = await filePart(req);
        return readingUpload(part, () => files.setAvatar(principalOf(req).userId, part.file));
      },
    );
  });

  const r = app.withTypeProvider<ZodTypeProvider>();

  r.get(
    '/files',
    {
      schema: {
        tags,
        summary: "The caller's files, newest first",
        querystring: fileListQuery,
        response: { 200: fileList },
      },
    },
    async (req) => files.list(principalOf(req).userId, req.query),
  );

  r.get(
    '/files/public/avatars/:name',
    {
      config: { public: true },
      schema: {
        tags,
        summary: 'A public profile picture',
        params: z.object({ name: z.string().regex(/^[0-9a-f-]{36}\.png$/, 'not an avatar name') }),
      },
    },
    async (req, reply) =>
      sendDownload(
        reply,
        await files.downloadPublic(`public/avatars/${req.params.name}`),
        'public, max-age=300',
      ),
  );

  r.get(
    '/files/:id',
    {
      // Reachable without a token so signed links work in <img src>; the service checks access itself.
      config: { public: true },
      schema: {
        tags,
        summary: 'Download a file: its owner (token) or anyone with a valid signed link',
        params: idParams,
        querystring: signedQuery,
      },
    },
    async (req, reply) => {
      const file = await files.download(req.params.id, {
        userId: req.principal?.userId ?? null,
        expires: req.query.expires,
        sig: req.query.sig,
      });
      return sendDownload(reply, file, 'private, max-age=300');
    },
  );

  r.delete(
    '/files/:id',
    { schema: { tags, summary: 'Delete a file', params: idParams, response: { 204: z.null() } } },
    async (req, reply) => {
      await files.remove(principalOf(req).userId, req.params.id);
      return reply.code(204).send(null);
    },
  );
}
