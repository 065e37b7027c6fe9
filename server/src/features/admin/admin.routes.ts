import {
  adminUpdateUserBody,
  adminUser,
  adminUserList,
  createInviteBody,
  idParams,
  invite,
  inviteCodeParams,
  inviteList,
  pageQuery,
  waitlistList,
} from '@pocketllm/contracts';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AppContext } from '../../context.js';
import { principalOf } from '../../plugins/auth.js';

/** Admin-only account management. Every route here carries `config: { admin: true }` (403 for users). */
export async function adminRoutes(app: FastifyInstance, ctx: AppContext) {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const { admin, invites, waitlist } = ctx.services;
  const tags = ['admin'];
  const config = { admin: true };

  r.get(
    '/admin/users',
    {
      config,
      schema: {
        tags,
        summary: 'Accounts, newest first',
        querystring: pageQuery,
        response: { 200: adminUserList },
      },
    },
    async (req) => admin.listUsers(req.query),
  );

  r.patch(
    '/admin/users/:id',
    {
      config,
      schema: {
        tags,
        summary: "Change a user's role or disable them (their tokens stop working at once)",
        params: idParams,
        body: adminUpdateUserBody,
        response: { 200: adminUser },
      },
    },
    async (req) => admin.updateUser(principalOf(req).userId, req.params.id, req.body),
  );

  r.post(
    '/admin/invites',
    {
      config,
      schema: { tags, summary: 'Create an invite code', body: createInviteBody, response: { 201: invite } },
    },
    async (req, reply) => reply.code(201).send(await invites.create(principalOf(req).userId, req.body)),
  );

  r.get(
    '/admin/invites',
    { config, schema: { tags, summary: 'Invite codes, newest first', response: { 200: inviteList } } },
    async () => invites.list(),
  );

  r.delete(
    '/admin/invites/:code',
    {
      config,
      schema: {
        tags,
        summary: 'Revoke an invite code',
        params: inviteCodeParams,
        response: { 204: z.null() },
      },
    },
    async (req, reply) => {
      await invites.revoke(principalOf(req).userId, req.params.code);
      return reply.code(204).send(null);
    },
  );

  r.get(
    '/admin/waitlist',
    {
      config,
      schema: {
        tags,
        summary: 'Waitlist entries, newest first',
        querystring: pageQuery,
        response: { 200: waitlistList },
      },
    },
    async (req) => waitlist.list(req.query),
  );
}
