import { api, cpuSeconds, r2, rssMb, summarize, timed } from './lib.js';

// Focused phases of `npm run bench` (run.ts): the cheap authenticated GET, and many concurrent streams.

/**
 * GET /v1/auth/me one at a time against a plain GET of the mock (the same client, so its own cost cancels),
 * timed with performance.now() since autocannon rounds to whole milliseconds.
 */
export async function authMe(base: string, mockUrl: string, token: string, pid: number, total = 3000) {
  const headers = { authorization: `Bearer ${token}` };
  const get = async (url: string, h: Record<string, string> = {}) => {
    const res = await fetch(url, { headers: h });
    await res.arrayBuffer();
    if (res.status !== 200) throw new Error(`${url} → ${res.status}`);
  };
  // Warm both paths (connections, JIT) before measuring.
  await timed(200, 1, () => get(`${mockUrl}/models`));
  await timed(200, 1, () => get(`${base}/v1/auth/me`, headers));
  const direct = summarize(await timed(total, 1, () => get(`${mockUrl}/models`)));
  const cpu0 = cpuSeconds(pid);
  const viaApp = summarize(await timed(total, 1, () => get(`${base}/v1/auth/me`, headers)));
  const cpuMs = ((cpuSeconds(pid) - cpu0) * 1000) / total;
  return { direct, via_app: viaApp, added_p50: r2(viaApp.p50 - direct.p50), cpu_ms_per_request: r2(cpuMs) };
}

interface StreamResult {
  ttft: number;
  /** How many streams were open (this one included) when this one started. */
  inFlightAtStart: number;
  completed: boolean;
  error: string | null;
  messageId: string | null;
}

/** One streamed send, read to its end: time to the first delta, and the stored answer's id. */
async function oneStream(
  url: string,
  headers: Record<string, string>,
  content: string,
): Promise<StreamResult> {
  const t0 = performance.now();
  const out: StreamResult = { ttft: -1, inFlightAtStart: 0, completed: false, error: null, messageId: null };
  try {
    const res = await fetch(url, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json' },
      body: JSON.stringify({ content, stream: true, cache: false }),
    });
    if (res.status !== 200 || !res.body) return { ...out, error: `status ${res.status}` };
    const decoder = new TextDecoder();
    let buf = '';
    for await (const chunk of res.body) {
      buf += decoder.decode(chunk as Uint8Array, { stream: true });
      for (let end = buf.indexOf('\n\n'); end >= 0; end = buf.indexOf('\n\n')) {
        const frame = buf.slice(0, end);
        buf = buf.slice(end + 2);
        const event = /^event: (.+)$/m.exec(frame)?.[1];
        const data = /^data: (.+)$/m.exec(frame)?.[1];
        if (event === 'delta' && out.ttft < 0) out.ttft = performance.now() - t0;
        if (event === 'message.completed' && data) {
          out.completed = true;
          out.messageId = (JSON.parse(data) as { message: { id: string } }).message.id;
        }
        if (event === 'error') out.error = data ?? 'error event';
      }
    }
  } catch (err) {
    const cause = err instanceof Error && err.cause instanceof Error ? `: ${err.cause.message}` : '';
    out.error = err instanceof Error ? `${err.message}${cause}` : String(err);
  }
  return out;
}

/**
 * `total` streamed sends (one per chat) against a provider that paces its chunks; then every answer is read
 * back to check that it was stored complete. RSS is sampled while they run. With `spreadMs` 0 they all start
 * in one burst (TTFT is then mostly the time to store `total` turns); otherwise their starts are spread evenly
 * over `spreadMs` (with answers longer than that, all of them end up in flight together), and the TTFT of the
 * streams that started while at least 90 % of `total` were open is given apart.
 */
export async function manyStreams(opts: {
  base: string;
  token: string;
  chats: string[];
  pid: number;
  expected: string;
  total?: number;
  spreadMs?: number;
}) {
  const total = opts.total ?? 1000;
  const spreadMs = opts.spreadMs ?? 0;
  let open = 0;
  let maxOpen = 0;
  const headers = { authorization: `Bearer ${opts.token}` };
  let peakRss = rssMb(opts.pid);
  const sampler = setInterval(() => {
    peakRss = Math.max(peakRss, rssMb(opts.pid));
  }, 50);
  const cpu0 = cpuSeconds(opts.pid);
  const t0 = performance.now();
  const results = await Promise.all(
    Array.from({ length: total }, async (_, i) => {
      if (spreadMs > 0) await new Promise((r) => setTimeout(r, (i * spreadMs) / total));
      open++;
      maxOpen = Math.max(maxOpen, open);
      const at = open;
      const chat = opts.chats[i % opts.chats.length];
      const r = await oneStream(`${opts.base}/v1/chats/${chat}/messages`, headers, `many ${i}`);
      open--;
      return { ...r, inFlightAtStart: at };
    }),
  );
  const wallMs = performance.now() - t0;
  clearInterval(sampler);
  const cpuMs = (cpuSeconds(opts.pid) - cpu0) * 1000;
  const errors = results.filter((r) => r.error !== null);
  const ids = results.flatMap((r) => (r.messageId ? [r.messageId] : []));
  let stored = 0;
  await timed(ids.length, 16, async (i) => {
    const m = await api<{ status: string; content: string }>(opts.base, `/v1/messages/${ids[i]}`, {
      token: opts.token,
    });
    if (m.status === 'completed' && m.content === opts.expected) stored++;
  });
  return {
    streams: total,
    errors: errors.length,
    first_error: errors[0]?.error ?? null,
    completed: results.filter((r) => r.completed).length,
    stored_complete: stored,
    ttft: summarize(results.filter((r) => r.ttft >= 0).map((r) => r.ttft)),
    ...(spreadMs > 0
      ? {
          spread_s: r2(spreadMs / 1000),
          max_in_flight: maxOpen,
          ttft_while_90pct_in_flight: summarize(
            results.filter((r) => r.ttft >= 0 && r.inFlightAtStart >= 0.9 * total).map((r) => r.ttft),
          ),
          streams_started_while_90pct_in_flight: results.filter((r) => r.inFlightAtStart >= 0.9 * total)
            .length,
        }
      : {}),
    wall_s: r2(wallMs / 1000),
    cpu_ms_per_stream: r2(cpuMs / total),
    peak_rss_mb: peakRss,
  };
}
