/**
 * OpenAI's wire shapes, written by hand (no schema on the response path): chat completions (JSON and SSE
 * chunks), model lists and embeddings. Providers that do not speak OpenAI (Anthropic, Ollama, GGUF) answer
 * through these; OpenAI-compatible ones are passed through as they answered (upstream-proxy.ts).
 */
import { randomBytes } from 'node:crypto';

export interface Usage {
  tokensIn: number;
  tokensOut: number;
}

export const DONE = 'data: [DONE]\n\n';

export const completionId = () => `chatcmpl-${randomBytes(12).toString('base64url')}`;
const now = () => Math.floor(Date.now() / 1000);

/** OpenAI's finish reasons from the adapters' (which already map most: Anthropic `end_turn` → `stop`, …). */
export function finishReason(reason: string): string {
  if (reason === 'length' || reason === 'max_tokens') return 'length';
  if (reason === 'tool_calls' || reason === 'content_filter') return reason;
  return 'stop';
}

const usageOf = (u: Usage) => ({
  prompt_tokens: u.tokensIn,
  completion_tokens: u.tokensOut,
  total_tokens: u.tokensIn + u.tokensOut,
});

export function completionJson(
  id: string,
  model: string,
  text: string,
  reason: string,
  usage: Usage,
): string {
  return JSON.stringify({
    id,
    object: 'chat.completion',
    created: now(),
    model,
    choices: [
      {
        index: 0,
        message: { role: 'assistant', content: text, refusal: null },
        logprobs: null,
        finish_reason: finishReason(reason),
      },
    ],
    usage: usageOf(usage),
  });
}

/** Writes chunks of one streamed completion; every call returns the exact `data:` event text. */
export function chunkWriter(id: string, model: string) {
  const created = now();
  // The fixed head of every chunk, serialised once.
  const head = `data: {"id":${JSON.stringify(id)},"object":"chat.completion.chunk","created":${created},"model":${JSON.stringify(model)},`;
  return {
    role: () =>
      `${head}"choices":[{"index":0,"delta":{"role":"assistant","content":""},"logprobs":null,"finish_reason":null}]}\n\n`,
    delta: (content: string) =>
      `${head}"choices":[{"index":0,"delta":{"content":${JSON.stringify(content)}},"logprobs":null,"finish_reason":null}]}\n\n`,
    finish: (reason: string) =>
      `${head}"choices":[{"index":0,"delta":{},"logprobs":null,"finish_reason":"${finishReason(reason)}"}]}\n\n`,
    usage: (u: Usage) => `${head}"choices":[],"usage":${JSON.stringify(usageOf(u))}}\n\n`,
  };
}

/** An error inside a stream that had already started (OpenAI sends `data: {"error": …}`). */
export function streamErrorEvent(message: string, type: string, code: string | null): string {
  return `data: ${JSON.stringify({ error: { message, type, code, param: null } })}\n\n`;
}

export interface ModelEntry {
  id: string;
  owned_by: string;
}

export function modelObject(m: ModelEntry) {
  return { id: m.id, object: 'model', created: 0, owned_by: m.owned_by };
}

export function modelList(models: ModelEntry[]): string {
  return JSON.stringify({ object: 'list', data: models.map(modelObject) });
}

/** Float32 little-endian bytes in base64, as OpenAI answers `encoding_format: "base64"` (the SDKs' default). */
function base64Vector(v: number[]): string {
  const f = new Float32Array(v);
  return Buffer.from(f.buffer, f.byteOffset, f.byteLength).toString('base64');
}

export function embeddingsJson(model: string, vectors: number[][], base64: boolean, promptTokens: number) {
  return JSON.stringify({
    object: 'list',
    data: vectors.map((v, index) => ({
      object: 'embedding',
      index,
      embedding: base64 ? base64Vector(v) : v,
    })),
    model,
    usage: { prompt_tokens: promptTokens, total_tokens: promptTokens },
  });
}
