import {
  changePasswordBody,
  idParams,
  publicProfile,
  updateProfileBody,
  userExport,
  userProfile,
} from '@pocketllm/contracts';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AppContext } from '../../context.js';
import { principalOf } from '../../plugins/auth.js';
import { perMinuteLimit } from '../../plugins/rate-limit.js';

export async function usersRoutes(app: FastifyInstance, ctx: AppContext) {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const { users } = ctx.services;
  const tags = ['users'];
  // A stolen access token must not become a fast oracle for the account's password.
  const passwordLimit = perMinuteLimit(app, {
    max: ctx.config.rateLimits.authPerMin,
    key: (req) => `password-change:${req.principal?.userId ?? req.ip}`,
    what: 'attempts',
  });

  r.get(
    '/users/me',
    { schema: { tags, summary: "The caller's full profile", response: { 200: userProfile } } },
    async (req) => users.getMe(principalOf(req).userId),
  );

  r.patch(
    '/users/me',
    {
      schema: {
        tags,
        summary: "Change the caller's profile (absent fields stay, null clears)",
        body: updateProfileBody,
        response: { 200: userProfile },
      },
    },
    async (req) => users.updateProfile(principalOf(req).userId, req.body),
  );

  r.post(
    '/users/me/password',
    {
      preHandler: [passwordLimit],
      schema: {
        tags,
        summary: 'Change the password; ends every other login session',
        body: changePasswordBody,
        response: { 204: z.null() },
      },
    },
    async (req, reply) => {
      await users.changePassword(principalOf(req), req.body);
      return reply.code(204).send(null);
    },
  );

  r.delete(
    '/users/me',
    { schema: { tags, summary: 'Delete the account and everything it owns', response: { 204: z.null() } } },
    async (req, reply) => {
      await users.deleteAccount(principalOf(req).userId);
      return reply.code(204).send(null);
    },
  );

  r.get(
    '/users/me/export',
    {
      schema: {
        tags,
        summary:
          'Everything the caller owns as JSON: chats with messages, model configs (no keys), templates',
        response: { 200: userExport },
      },
    },
    async (req, reply) => {
      const data = await users.exportData(principalOf(req).userId);
      const day = data.exported_at.slice(0, 10);
      return reply
        .header('content-disposition', `attachment; filename="pocketllm-export-${day}.json"`)
        .send(data);
    },
  );

  r.get(
    '/users/:id',
    {
      schema: {
        tags,
        summary: "Another user's public profile",
        params: idParams,
        response: { 200: publicProfile },
      },
    },
    async (req) => users.getPublicProfile(req.params.id),
  );
}
