/**
 * Chat messages with pictures in each provider's own wire format. Text-only messages stay exactly as they
 * were (a plain `content` string), so requests without pictures do not change.
 */
import type { JsonObject } from './http.js';
import { type ChatMessage, ProviderError } from './types.js';

const dataUrl = (i: { mediaType: string; data: string }) => `data:${i.mediaType};base64,${i.data}`;

/** OpenAI Chat Completions: a message with pictures has `content` as parts: text, then `image_url` parts. */
export function toOpenAIMessages(messages: ChatMessage[]): JsonObject[] {
  return messages.map((m) => {
    if (!m.images?.length) return { role: m.role, content: m.content };
    return {
      role: m.role,
      content: [
        { type: 'text', text: m.content },
        ...m.images.map((i) => ({ type: 'image_url', image_url: { url: dataUrl(i) } })),
      ],
    };
  });
}

/** Anthropic Messages: `image` blocks with a base64 source, before the text (as Anthropic recommends). */
export function toAnthropicContent(m: ChatMessage): string | JsonObject[] {
  if (!m.images?.length) return m.content;
  return [
    ...m.images.map((i) => ({
      type: 'image',
      source: { type: 'base64', media_type: i.mediaType, data: i.data },
    })),
    { type: 'text', text: m.content },
  ];
}

/** Ollama /api/chat: the message's `images` is an array of bare base64 strings. */
export function toOllamaMessages(messages: ChatMessage[]): JsonObject[] {
  return messages.map((m) =>
    m.images?.length
      ? { role: m.role, content: m.content, images: m.images.map((i) => i.data) }
      : { role: m.role, content: m.content },
  );
}

/** For adapters that cannot take pictures: a clear refusal instead of silently dropping them. */
export function refusePictures(messages: ChatMessage[], who: string): void {
  if (messages.some((m) => m.images?.length)) {
    throw new ProviderError('bad_request', `${who} cannot take pictures: choose a model with vision`);
  }
}
