/**
 * The one call made to a user's endpoint outside chats: list its models (Ollama `GET /api/tags`,
 * OpenAI-compatible `GET {base}/models`). It is both model discovery and the health check. It goes through
 * safeFetch rather than the LLM adapters' listModels because the adapters use the global fetch: only the
 * guarded connector checks the address actually connected to (DNS rebinding), and a failed check's message
 * is shown to the user, so it must never come from a host the policy forbids.
 */

import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { AppError } from '../../errors.js';
import { cleanProviderText } from '../../lib/text.js';
import { type LookupFn, safeFetch } from '../../lib/url-policy.js';
import { sanitizeMessage } from '../../llm/http.js';

export type EndpointKind = 'ollama' | 'openai-compatible' | 'custom';

export interface EndpointAddress {
  baseUrl: string;
  endpointType: EndpointKind;
  apiKey: string | null;
}

export interface ProbeOptions {
  timeoutMs: number;
  allowPrivate: boolean;
  lookup?: LookupFn;
}

export type ProbeResult =
  | { ok: true; models: string[]; responseTimeMs: number }
  | { ok: false; error: string; responseTimeMs: number; refused: boolean };

const trimSlash = (url: string) => url.replace(/\/+$/, '');

export function modelsUrl(ep: Pick<EndpointAddress, 'baseUrl' | 'endpointType'>): string {
  const base = trimSlash(ep.baseUrl);
  return ep.endpointType === 'ollama' ? `${base}/api/tags` : `${base}/models`;
}

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** Model names from an Ollama tags answer (`models[].name`) or an OpenAI list (`data[].id`); null if neither. */
export function parseModelList(body: unknown): string[] | null {
  if (!isRecord(body)) return null;
  const list = Array.isArray(body.models) ? body.models : Array.isArray(body.data) ? body.data : null;
  if (!list) return null;
  const names = new Set<string>();
  for (const m of list) {
    const name = isRecord(m) ? (m.name ?? m.model ?? m.id) : m;
    // Names are stored (jsonb): provider text is made storable, as answers are.
    const clean = typeof name === 'string' ? cleanProviderText(name).trim() : '';
    if (clean) names.add(clean);
  }
  return [...names].sort();
}

function describe(err: unknown, timeoutMs: number, secret: string | null): string {
  if (err instanceof AppError) return err.message.replace(/^base_url: /, '');
  if (err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError')) {
    return `no answer within ${timeoutMs} ms`;
  }
  let e: unknown = err;
  for (let i = 0; i < 4 && e instanceof Error; i++) {
    const code = 'code' in e && typeof e.code === 'string' ? e.code : undefined;
    if (code) return sanitizeMessage(`cannot connect (${code})`, secret);
    e = e.cause;
  }
  return sanitizeMessage(err instanceof Error ? err.message : 'cannot connect', secret);
}

/** A model list is a few KB; a host streaming megabytes at us is cut off, not buffered. */
const MAX_BODY_BYTES = 2 * 1024 * 1024;

async function readCapped(body: WebReadableStream | null, max: number): Promise<string> {
  if (!body) return '';
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const part of body) {
    const chunk = part instanceof Uint8Array ? part : Buffer.from(String(part));
    size += chunk.byteLength;
    if (size > max) {
      await body.cancel().catch(() => undefined);
      throw new Error(`the answer is larger than ${max / 1024 / 1024} MB`);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Rejects after `ms` even when the work ignores its signal (a DNS lookup cannot be aborted). */
async function withDeadline<T>(ms: number, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const ctl = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const err = new Error(`no answer within ${ms} ms`);
      err.name = 'TimeoutError';
      ctl.abort(err);
      reject(err);
    }, ms);
  });
  try {
    return await Promise.race([work(ctl.signal), deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/** Lists the endpoint's models within `timeoutMs` (connect, headers and body). Never throws. */
export async function probeEndpoint(ep: EndpointAddress, opts: ProbeOptions): Promise<ProbeResult> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  try {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (ep.apiKey) headers.authorization = `Bearer ${ep.apiKey}`;
    const body = await withDeadline(opts.timeoutMs, async (signal) => {
      const res = await safeFetch(
        modelsUrl(ep),
        { headers, signal },
        { allowPrivate: opts.allowPrivate, ...(opts.lookup ? { lookup: opts.lookup } : {}) },
      );
      if (!res.ok) {
        await res.body?.cancel();
        throw new Error(
          `HTTP ${res.status}${res.status === 401 || res.status === 403 ? ' (check the API key)' : ''}`,
        );
      }
      const text = await readCapped(res.body, MAX_BODY_BYTES);
      try {
        const parsed: unknown = JSON.parse(text);
        return parsed;
      } catch {
        throw new Error('the answer is not JSON: is this the right base URL and endpoint type?');
      }
    });
    const models = parseModelList(body);
    if (!models) {
      const want = ep.endpointType === 'ollama' ? '`models`' : '`data`';
      return {
        ok: false,
        error: `unexpected answer: no ${want} list`,
        responseTimeMs: elapsed(),
        refused: false,
      };
    }
    return { ok: true, models, responseTimeMs: elapsed() };
  } catch (err) {
    return {
      ok: false,
      error: describe(err, opts.timeoutMs, ep.apiKey),
      responseTimeMs: elapsed(),
      refused: err instanceof AppError,
    };
  }
}
