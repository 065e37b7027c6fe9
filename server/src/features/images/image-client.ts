import { Readable } from 'node:stream';
import type { ImageGenerationBody } from '@pocketllm/contracts';
import type { Dispatcher } from 'undici';
import { z } from 'zod';
import { PermanentJobError } from '../../job-queue/queue.js';
import { policyCause } from '../../lib/url-policy.js';
import {
  type DebugLogger,
  type DispatchInit,
  redactSecrets,
  sanitizeMessage,
  upstreamMessage,
} from '../../llm/http.js';
import type { ProviderTarget } from '../../llm/types.js';

/** One generated image as the provider gave it: inline base64 or a link to fetch. */
export type ImageAnswer = { b64: string } | { url: string };

const imagesResponse = z.object({
  data: z
    .array(z.object({ b64_json: z.string().min(1).optional(), url: z.string().min(1).optional() }))
    .min(1),
});

/** At most this much of an error body goes to the debug log. */
const MAX_LOGGED_BODY = 4096;

/**
 * A short cleaned message for the job's error (never the raw body, never a key); the body itself goes to the
 * debug log, secrets masked.
 */
async function providerMessage(res: Response, apiKey: string | null, logger?: DebugLogger): Promise<string> {
  const text = await res.text().catch(() => '');
  logger?.debug(
    { upstream_status: res.status, upstream_body: redactSecrets(text.slice(0, MAX_LOGGED_BODY), apiKey) },
    'image provider answered an error',
  );
  return sanitizeMessage(upstreamMessage(text), apiKey) || res.statusText || 'no details';
}

const isRetryableStatus = (status: number) => status === 408 || status === 429 || status >= 500;

/**
 * POST {base}/images/generations, the OpenAI images API that ImageRouter also speaks.
 * @throws PermanentJobError for a 4xx (bad key, unknown model, refused prompt), a base URL the URL policy
 *   refuses, and an answer without images; a plain Error (retried by the queue) for 5xx, 429, timeouts and network failures
 */
export async function requestImages(
  target: ProviderTarget,
  input: ImageGenerationBody,
  opts: { signal: AbortSignal; timeoutMs: number; dispatcher: Dispatcher; logger?: DebugLogger },
): Promise<ImageAnswer[]> {
  const signal = AbortSignal.any([opts.signal, AbortSignal.timeout(opts.timeoutMs)]);
  const body = {
    model: input.model,
    prompt: input.prompt,
    n: input.n,
    ...(input.size ? { size: input.size } : {}),
    ...(input.quality ? { quality: input.quality } : {}),
  };
  const init: DispatchInit = {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(target.apiKey ? { authorization: `Bearer ${target.apiKey}` } : {}),
    },
    body: JSON.stringify(body),
    signal,
    dispatcher: opts.dispatcher,
  };
  let res: Response;
  try {
    res = await fetch(`${target.baseUrl.replace(/\/+$/, '')}/images/generations`, init);
  } catch (err) {
    if (opts.signal.aborted) throw err;
    const refused = policyCause(err);
    if (refused)
      throw new PermanentJobError(`${target.provider}'s base URL is refused: ${refused.message}`, {
        cause: err,
      });
    const timedOut = signal.aborted;
    throw new Error(
      timedOut
        ? `${target.provider} did not answer within ${opts.timeoutMs} ms`
        : `${target.provider} could not be reached`,
      { cause: err },
    );
  }
  if (!res.ok) {
    const message = `${target.provider} answered HTTP ${res.status}: ${await providerMessage(res, target.apiKey, opts.logger)}`;
    if (isRetryableStatus(res.status)) throw new Error(message);
    throw new PermanentJobError(message);
  }
  const parsed = imagesResponse.safeParse(await res.json().catch(() => null));
  if (!parsed.success) throw new PermanentJobError(`${target.provider} answered without any image`);
  return parsed.data.data.map((d): ImageAnswer => {
    if (d.b64_json) return { b64: d.b64_json };
    if (d.url) return { url: d.url };
    throw new PermanentJobError(`${target.provider} answered an image with neither b64_json nor url`);
  });
}

/**
 * The bytes of one answer as a stream. A URL is fetched (http/https only, with a timeout); the size limit is
 * enforced by the file store while the bytes are written.
 */
export async function openImage(
  answer: ImageAnswer,
  opts: { signal: AbortSignal; timeoutMs: number; maxBytes: number; dispatcher: Dispatcher },
): Promise<Readable> {
  if ('b64' in answer) {
    const bytes = Buffer.from(answer.b64, 'base64');
    if (bytes.length === 0) throw new PermanentJobError('the provider sent an empty image');
    return Readable.from([bytes]);
  }
  let url: URL;
  try {
    url = new URL(answer.url);
  } catch {
    throw new PermanentJobError('the provider sent an image URL that does not parse');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new PermanentJobError(
      `the provider sent an image URL with an unsupported scheme (${url.protocol})`,
    );
  }
  const signal = AbortSignal.any([opts.signal, AbortSignal.timeout(opts.timeoutMs)]);
  let res: Response;
  try {
    const init: DispatchInit = { signal, redirect: 'follow', dispatcher: opts.dispatcher };
    res = await fetch(url, init);
  } catch (err) {
    if (opts.signal.aborted) throw err;
    // The URL policy refused the address (or a redirect's): the same URL will be refused next time too.
    const refused = policyCause(err);
    if (refused)
      throw new PermanentJobError(
        `downloading the generated image failed (${url.host}): ${refused.message}`,
        {
          cause: err,
        },
      );
    throw new Error(`downloading the generated image failed (${url.host})`, { cause: err });
  }
  if (!res.ok || !res.body) {
    await res.body?.cancel();
    const message = `downloading the generated image answered HTTP ${res.status}`;
    if (isRetryableStatus(res.status)) throw new Error(message);
    throw new PermanentJobError(message);
  }
  const declared = Number(res.headers.get('content-length') ?? 0);
  if (declared > opts.maxBytes) {
    await res.body.cancel();
    throw new PermanentJobError(`the generated image is larger than ${opts.maxBytes} bytes`);
  }
  return Readable.from(chunksOf(res.body));
}

async function* chunksOf(body: ReadableStream<Uint8Array>): AsyncGenerator<Buffer> {
  const reader = body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      yield Buffer.from(value.buffer, value.byteOffset, value.byteLength);
    }
  } finally {
    // Stops the download when the store gives up early (size limit, wrong type).
    await reader.cancel().catch(() => {});
  }
}
