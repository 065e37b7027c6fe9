import { openaiChatBody, openaiEmbeddingsBody } from '@pocketllm/contracts';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AppContext } from '../../context.js';
import { AppError } from '../../errors.js';
import { writeSseHead } from '../../lib/sse.js';
import { API_KEY_PREFIX, type KeyPrincipal } from '../api-keys/api-keys.service.js';
import { CHAT_HEADER, chatTarget } from './chat-store.js';
import type { ChatOutput } from './openai.service.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The personal API key of a /openai/v1 request (its own auth hook sets it). */
    apiKey: KeyPrincipal | null;
  }
  interface FastifyContextConfig {
    /** The API key scope a /openai/v1 route needs. */
    scope?: 'chat' | 'models' | 'embeddings';
  }
}

const WINDOW_MS = 60_000;

function keyOf(request: FastifyRequest): KeyPrincipal {
  if (!request.apiKey) throw new AppError('unauthorized');
  return request.apiKey;
}

/** Aborts the provider call when the client goes away before the answer is complete. */
function clientSignal(reply: FastifyReply): AbortSignal {
  const ctl = new AbortController();
  reply.raw.once('close', () => {
    if (!reply.raw.writableFinished) ctl.abort();
  });
  return ctl.signal;
}

/** An SSE response opened only once the provider answered (until then a failure is a normal error reply). */
function sseOutput(reply: FastifyReply): ChatOutput {
  const res = reply.raw;
  return {
    start() {
      writeSseHead(reply);
    },
    write(text) {
      if (!res.destroyed) res.write(text);
    },
    end() {
      if (!res.writableEnded) res.end();
    },
  };
}

/**
 * /openai/v1: OpenAI's API over the user's catalogue, for the official SDKs and any tool that speaks it.
 * Only personal API keys (`Authorization: Bearer pk-…`) are accepted here, and only here; errors are in
 * OpenAI's shape (plugins/error-handler.ts). Answers are JSON text written by hand (no response schema).
 */
export async function openaiRoutes(app: FastifyInstance, ctx: AppContext) {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const { apiKeys, openai } = ctx.services;
  const tags = ['openai'];
  const perMinute = ctx.config.rateLimits.apiKeyPerMin;

  app.decorateRequest('apiKey', null);
  app.addHook('onRequest', async (request, reply) => {
    const header = request.headers.authorization;
    if (!header)
      throw new AppError(
        'unauthorized',
        'You did not provide an API key: send `Authorization: Bearer pk-…`',
        {
          details: { reason: 'missing_api_key' },
        },
      );
    const space = header.indexOf(' ');
    const token =
      space > 0 && header.slice(0, space).toLowerCase() === 'bearer' ? header.slice(space + 1).trim() : '';
    if (!token.startsWith(API_KEY_PREFIX))
      throw new AppError(
        'unauthorized',
        'This API takes a personal API key (pk-…) from Settings → API keys; session tokens are not accepted',
        { details: { reason: 'invalid_api_key' } },
      );
    const key = await apiKeys.authenticate(token);
    request.apiKey = key;
    const scope = request.routeOptions.config.scope;
    if (scope && !key.scopes.includes(scope))
      throw new AppError('forbidden', `This API key does not have the \`${scope}\` scope`, {
        details: { reason: 'insufficient_scope' },
      });
    const hit = await ctx.rateLimiter.hitBatched(`apikey:${key.keyId}`, WINDOW_MS, perMinute);
    if (hit.count > perMinute) {
      const wait = Math.max(1, Math.ceil(hit.resetInMs / 1000));
      throw new AppError(
        'rate_limited',
        `Rate limit reached for this API key (${perMinute} requests per minute)`,
        {
          headers: { 'retry-after': String(wait) },
        },
      );
    }
    reply.header('x-ratelimit-limit-requests', perMinute);
    reply.header('x-ratelimit-remaining-requests', Math.max(0, perMinute - hit.count));
  });

  r.post(
    '/chat/completions',
    {
      config: { scope: 'chat' },
      schema: {
        tags,
        summary: 'Create a chat completion (OpenAI’s request and response)',
        body: openaiChatBody,
      },
    },
    async (req, reply) => {
      const opts = {
        signal: clientSignal(reply),
        bypassCache: req.headers['x-pocketllm-cache'] === 'bypass',
        chat: chatTarget(req.headers[CHAT_HEADER]),
      };
      if (req.body.stream) {
        await openai.chatStream(keyOf(req), req.body, sseOutput(reply), {
          ...opts,
          onChat: (id) => reply.header('x-pocketllm-chat-id', id),
        });
        return reply;
      }
      const { text, chatId } = await openai.chatJson(keyOf(req), req.body, opts);
      if (chatId) reply.header('x-pocketllm-chat-id', chatId);
      return reply.type('application/json').send(text);
    },
  );

  r.get(
    '/models',
    { config: { scope: 'models' }, schema: { tags, summary: 'Your catalogue, as OpenAI’s model list' } },
    async (req, reply) => reply.type('application/json').send(await openai.models(keyOf(req).userId)),
  );

  r.get(
    '/models/*',
    {
      config: { scope: 'models' },
      schema: {
        tags,
        summary: 'One model of your catalogue',
        params: z.object({ '*': z.string().min(1).max(300) }),
      },
    },
    async (req) => openai.model(keyOf(req).userId, req.params['*']),
  );

  r.post(
    '/embeddings',
    {
      config: { scope: 'embeddings' },
      schema: { tags, summary: 'Create embeddings', body: openaiEmbeddingsBody },
    },
    async (req, reply) =>
      reply
        .type('application/json')
        .send(await openai.embeddings(keyOf(req).userId, req.body, clientSignal(reply))),
  );
}
