import { z } from 'zod';

// The request bodies of the OpenAI-compatible API (/openai/v1). Only what PocketLLM reads is checked; other
// fields OpenAI defines (seed, stop, logit_bias, user, n, …) pass through to providers that take them.

const content = z.union([z.string(), z.array(z.looseObject({ type: z.string() })).max(1000), z.null()]);

export const openaiMessage = z.looseObject({
  role: z.enum(['system', 'developer', 'user', 'assistant', 'tool']),
  content: content.optional(),
});

export const openaiChatBody = z.looseObject({
  model: z.string().min(1).max(300),
  messages: z.array(openaiMessage).min(1).max(10_000),
  stream: z.boolean().nullish(),
  stream_options: z.looseObject({ include_usage: z.boolean().optional() }).nullish(),
  temperature: z.number().min(0).max(2).nullish(),
  top_p: z.number().min(0).max(1).nullish(),
  max_tokens: z.number().int().min(1).nullish(),
  max_completion_tokens: z.number().int().min(1).nullish(),
  frequency_penalty: z.number().min(-2).max(2).nullish(),
  presence_penalty: z.number().min(-2).max(2).nullish(),
  tools: z
    .array(z.looseObject({ type: z.string() }))
    .max(128)
    .nullish(),
  tool_choice: z.unknown().optional(),
  response_format: z.looseObject({ type: z.string() }).nullish(),
});
export type OpenAIChatBody = z.infer<typeof openaiChatBody>;

export const openaiEmbeddingsBody = z.looseObject({
  model: z.string().min(1).max(300),
  // OpenAI refuses empty strings too: there is nothing to embed (a GGUF model answered a 0-wide vector).
  input: z.union([z.string().min(1), z.array(z.string().min(1)).min(1).max(2048)]),
  encoding_format: z.enum(['float', 'base64']).optional(),
});
export type OpenAIEmbeddingsBody = z.infer<typeof openaiEmbeddingsBody>;
