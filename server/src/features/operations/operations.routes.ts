import { PassThrough, type Readable } from 'node:stream';
import { adminStatus, auditList, auditQuery, restoreStaged } from '@pocketllm/contracts';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { ArchiveError } from '../../backup/archive.js';
import { checkBackup, stageRestore, writeBackup } from '../../backup/backup.js';
import { backupSourceOf } from '../../backup/runtime.js';
import type { AppContext } from '../../context.js';
import { AppError, invalidField } from '../../errors.js';
import { principalOf } from '../../plugins/auth.js';
import { recordAudit } from '../audit/audit.service.js';
import { createOperationsService } from './operations.service.js';

const ARCHIVE_TYPES = ['application/gzip', 'application/octet-stream'];

const postgresBackup = () =>
  new AppError(
    'conflict',
    'This installation runs on PostgreSQL: back it up with pg_dump and the files directory (see the README)',
  );

/** The admin's view of the installation: audit log, status, backup and restore (embedded database). */
export async function operationsRoutes(app: FastifyInstance, ctx: AppContext) {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const tags = ['admin'];
  const config = { admin: true };
  const ops = createOperationsService({
    database: ctx.database,
    redis: ctx.redis,
    dataDir: ctx.config.dataDir,
    startedAt: ctx.state.startedAt,
    runningAnswers: () => ctx.services.generations.size,
  });

  r.get(
    '/admin/audit',
    {
      config,
      schema: {
        tags,
        summary: 'Audit log, newest first (filter by actor id or email, action, time)',
        querystring: auditQuery,
        response: { 200: auditList },
      },
    },
    async (req) => ops.listAudit(req.query),
  );

  r.get(
    '/admin/status',
    {
      config,
      schema: {
        tags,
        summary: 'Health of the database, Redis, jobs, providers and endpoints; version and uptime',
        response: { 200: adminStatus },
      },
    },
    async () => ops.status(),
  );

  r.post(
    '/admin/backup',
    {
      config,
      schema: {
        tags,
        summary: 'Download a backup archive of the embedded database and files (409 on PostgreSQL)',
        produces: ['application/gzip'],
      },
    },
    async (req, reply) => {
      const source = backupSourceOf(ctx.config, ctx.database);
      if (!source) throw postgresBackup();
      await recordAudit(ctx.db, {
        actorId: principalOf(req).userId,
        action: 'backup.create',
        targetType: 'installation',
      });
      const out = new PassThrough();
      writeBackup(source, out).catch((err: unknown) => {
        req.log.error({ err }, 'backup failed mid-stream');
        out.destroy(err instanceof Error ? err : new Error(String(err)));
      });
      const name = `pocketllm-backup-${new Date().toISOString().replace(/[:.]/g, '-')}.tar.gz`;
      return reply
        .header('content-type', 'application/gzip')
        .header('content-disposition', `attachment; filename="${name}"`)
        .header('cache-control', 'no-store')
        .send(out);
    },
  );

  // The archive is the raw body: streamed to disk and checked there, never buffered whole in memory.
  await app.register(async (scope) => {
    scope.addContentTypeParser(ARCHIVE_TYPES, (_req, payload, done) => done(null, payload));
    scope.withTypeProvider<ZodTypeProvider>().post(
      '/admin/restore',
      {
        config,
        schema: {
          tags,
          summary: 'Upload a backup archive; it is checked now and replaces the data at the next start',
          consumes: ARCHIVE_TYPES,
          response: { 202: restoreStaged },
        },
      },
      async (req, reply) => {
        if (!backupSourceOf(ctx.config, ctx.database)) throw postgresBackup();
        const body: unknown = req.body;
        if (!isReadable(body)) throw invalidField('archive', 'send the backup file as the request body');
        const keyId = backupSourceOf(ctx.config, ctx.database)?.keyId ?? '';
        let checked: Awaited<ReturnType<typeof checkBackup>>;
        try {
          checked = await checkBackup(body, ctx.config.dataDir, keyId);
        } catch (err) {
          if (err instanceof ArchiveError) throw invalidField('archive', err.message);
          throw err;
        }
        await stageRestore(checked, ctx.config.dataDir);
        await recordAudit(ctx.db, {
          actorId: principalOf(req).userId,
          action: 'restore.stage',
          targetType: 'installation',
          details: {
            backup_created_at: checked.header.created_at,
            users: checked.users,
            files: checked.files,
          },
        });
        return reply.code(202).send({
          status: 'staged' as const,
          created_at: checked.header.created_at,
          users: checked.users,
          files: checked.files,
          message: 'The backup is checked and staged: restart PocketLLM to replace the current data with it.',
        });
      },
    );
  });
}

function isReadable(body: unknown): body is Readable {
  return typeof body === 'object' && body !== null && 'pipe' in body && typeof body.pipe === 'function';
}
