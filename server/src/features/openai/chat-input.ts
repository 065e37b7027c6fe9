import type { OpenAIChatBody } from '@pocketllm/contracts';
import type { CacheKeyInput } from '../../answer-cache/cache-key.js';
import { AppError, invalidField } from '../../errors.js';
import type { ChatMessage, ChatParams } from '../../llm/types.js';

/** The sampling parameters every adapter understands, from an OpenAI body. */
export function paramsOf(body: OpenAIChatBody): ChatParams {
  const p: ChatParams = {};
  if (body.temperature != null) p.temperature = body.temperature;
  if (body.top_p != null) p.top_p = body.top_p;
  const max = body.max_completion_tokens ?? body.max_tokens;
  if (max != null) p.max_tokens = max;
  if (body.frequency_penalty != null) p.frequency_penalty = body.frequency_penalty;
  if (body.presence_penalty != null) p.presence_penalty = body.presence_penalty;
  return p;
}

/** Text of a message's content: a string, or the text parts of an array; null when it holds anything else. */
function textOf(content: unknown): string | null {
  if (content === undefined || content === null) return '';
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return null;
  let text = '';
  for (const part of content as { type?: unknown; text?: unknown }[]) {
    if (part.type !== 'text' || typeof part.text !== 'string') return null;
    text += part.text;
  }
  return text;
}

/** Features only OpenAI-compatible providers get (passed through); the others answer a clear 400. */
export function assertPlainChat(body: OpenAIChatBody, provider: string): void {
  const refuse = (field: string, what: string) =>
    new AppError('validation_error', `${field}: ${what} is not supported by provider \`${provider}\``, {
      details: { field, reason: 'unsupported_parameter' },
    });
  if (body.tools?.length) throw refuse('tools', 'tool calling');
  if (body.response_format && body.response_format.type !== 'text')
    throw refuse('response_format', `response_format \`${body.response_format.type}\``);
  if (typeof body.n === 'number' && body.n !== 1) throw refuse('n', 'more than one choice');
}

/** The messages as adapters take them (system/developer → system). @throws validation_error */
export function chatMessagesOf(body: OpenAIChatBody): ChatMessage[] {
  return body.messages.map((m, i) => {
    if (m.role === 'tool')
      throw invalidField(`messages.${i}.role`, 'tool messages need a provider with tool calling');
    const content = textOf(m.content);
    if (content === null)
      throw invalidField(`messages.${i}.content`, 'only text parts are supported by this provider');
    return { role: m.role === 'developer' ? 'system' : m.role, content };
  });
}

// Fields the cache key covers; a request with any other (stop, seed, logit_bias, …) is not answered from it.
const KEYED = new Set([
  'model',
  'messages',
  'stream',
  'stream_options',
  'temperature',
  'top_p',
  'max_tokens',
  'max_completion_tokens',
  'frequency_penalty',
  'presence_penalty',
  'user',
]);

/**
 * What the answer cache keys a request on, or null when the request is not a plain question (tools,
 * structured output, several choices, non-text content, or a last message that is not the user's).
 */
export function cacheInput(
  body: OpenAIChatBody,
  userId: string,
  provider: string,
  model: string,
): CacheKeyInput | null {
  if (body.tools?.length || (body.response_format && body.response_format.type !== 'text')) return null;
  for (const field of Object.keys(body)) if (!KEYED.has(field)) return null;
  const messages = body.messages;
  const last = messages[messages.length - 1];
  if (last?.role !== 'user' || typeof last.content !== 'string') return null;
  let first = 0;
  const system: string[] = [];
  while (
    first < messages.length - 1 &&
    (messages[first]?.role === 'system' || messages[first]?.role === 'developer')
  ) {
    const c = messages[first]?.content;
    if (typeof c !== 'string') return null;
    system.push(c);
    first++;
  }
  const context: ChatMessage[] = [];
  for (const m of messages.slice(first, -1)) {
    if (typeof m.content !== 'string' || m.role === 'tool' || m.tool_calls) return null;
    context.push({ role: m.role === 'developer' ? 'system' : m.role, content: m.content });
  }
  return {
    userId,
    provider,
    model,
    params: paramsOf(body),
    systemPrompt: system.length ? system.join('\n\n') : null,
    context,
    prompt: last.content,
  };
}
