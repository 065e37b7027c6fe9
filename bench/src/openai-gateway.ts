import { loadavg } from 'node:os';
import { api, benchUser, load, loadWithCpu, r2, rssMb, summarize, timed, timeToFirstToken } from './lib.js';
import { memoryNow, residentBreakdown, sampleMemory } from './memory.js';
import { startMockProcess, startUrlProcess } from './mock-provider.js';

export interface GatewayBenchInput {
  base: string;
  /** A session token of the bench user, whose `openai` provider points at the mock. */
  token: string;
  mockUrl: string;
  pid: number;
  seconds: number;
  log: (title: string, value: unknown) => void;
}

const loadAverage = () => loadavg().map(r2);

/**
 * /openai/v1/chat/completions with a personal API key (cache bypassed), side by side in the same run with
 * the same request sent to the zero-delay mock directly and through the thinnest Node proxy (thin-proxy.ts, the
 * floor of one Node hop on this machine): added p50 (JSON), added time to the first token
 * (SSE), CPU per request, throughput and its ratio to the direct call, RSS under load. The machine's load
 * average is logged with each phase (the figures mean little without it).
 */
export async function benchGateway(input: GatewayBenchInput): Promise<void> {
  const { base, token, mockUrl, pid, seconds, log } = input;
  const { key } = await api<{ key: string }>(base, '/v1/api-keys', { token, body: { name: 'bench' } });
  const headers = { authorization: `Bearer ${key}`, 'x-pocketllm-cache': 'bypass' };
  const messages = [{ role: 'user', content: 'hello' }];
  const directBody = JSON.stringify({ model: 'bench-model', messages });
  const gatewayBody = JSON.stringify({ model: 'openai/bench-model', messages });
  // Warm-up: the key's lookup, the target cache, the undici pool.
  await timed(200, 8, async () => {
    const res = await fetch(`${base}/openai/v1/chat/completions`, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json' },
      body: gatewayBody,
    });
    if (!res.ok) throw new Error(`warm-up: ${res.status} ${await res.text()}`);
    await res.arrayBuffer();
  });

  log('openai: memory before the phase (MB)', { ...(await memoryNow(base)), smaps: residentBreakdown(pid) });
  // The floor: the same call through the thinnest Node proxy (thin-proxy.ts), in its own process.
  const thin = await startUrlProcess('./thin-proxy.ts', [mockUrl]);
  const viaThin = (origin: string) =>
    `${thin.url}${new URL(origin).pathname.replace(/\/$/, '')}/chat/completions`;
  for (const c of [1, 32]) {
    const direct = await load({
      url: `${mockUrl}/chat/completions`,
      method: 'POST',
      bodies: [directBody],
      connections: c,
      seconds,
    });
    const proxied = await loadWithCpu(thin.pid, {
      url: viaThin(mockUrl),
      method: 'POST',
      bodies: [directBody],
      connections: c,
      seconds,
    });
    const memory = c === 32 ? sampleMemory(base) : null;
    const via = await loadWithCpu(pid, {
      url: `${base}/openai/v1/chat/completions`,
      method: 'POST',
      headers,
      bodies: [gatewayBody],
      connections: c,
      seconds,
    });
    const rss = rssMb(pid);
    const sampled = await memory?.();
    log(`openai: direct call to mock, ${c} client(s)`, { ...direct, load_avg: loadAverage() });
    log(`openai: /openai/v1 JSON, ${c} client(s)`, {
      ...via,
      rps_ratio_to_direct: r2(via.rps / Math.max(1, direct.rps)),
      load_avg: loadAverage(),
    });
    log(`openai: thin Node proxy, ${c} client(s)`, { ...proxied, load_avg: loadAverage() });
    log(`openai: added p50, ${c} client(s) (ms)`, r2(via.latency.p50 - direct.latency.p50));
    log(`openai: thin proxy added p50, ${c} client(s) (ms)`, r2(proxied.latency.p50 - direct.latency.p50));
    if (sampled) {
      log('openai: RSS under load (MB)', rss);
      log('openai: memory under load, 32 clients (MB)', { ...sampled, smaps: residentBreakdown(pid) });
    }
  }

  thin.close();

  // Time to the first token: the first `data:` chunk, against the mock in a process of its own (as a real
  // provider is another machine; in this process its answer waited on the client's event loop), for a second
  // user whose provider points there. `timed` alone would measure the whole stream; it is logged apart.
  const ttftMock = await startMockProcess();
  const ttftThin = await startUrlProcess('./thin-proxy.ts', [ttftMock.url]);
  try {
    const ttftToken = await benchUser(base, `ttft-${Date.now()}@bench.local`, ttftMock.url);
    const ttftKey = (
      await api<{ key: string }>(base, '/v1/api-keys', { token: ttftToken, body: { name: 'ttft' } })
    ).key;
    const ttftHeaders = { authorization: `Bearer ${ttftKey}`, 'x-pocketllm-cache': 'bypass' };
    const streamInit = (body: string, extra: Record<string, string> = {}) => ({
      method: 'POST',
      headers: { 'content-type': 'application/json', ...extra },
      body: body.replace('}]', '}],"stream":true'),
    });
    const firstData = (url: string, body: string, extra?: Record<string, string>) => async () => {
      const t = await timeToFirstToken(url, streamInit(body, extra), 'data:');
      if (t < 0) throw new Error(`no data: chunk from ${url}`);
      return t;
    };
    const direct1 = firstData(`${ttftMock.url}/chat/completions`, directBody);
    const via1 = firstData(`${base}/openai/v1/chat/completions`, gatewayBody, ttftHeaders);
    const thin1 = firstData(
      `${ttftThin.url}${new URL(ttftMock.url).pathname.replace(/\/$/, '')}/chat/completions`,
      directBody,
    );
    await timed(100, 4, async () => void (await via1()));
    for (const c of [1, 32]) {
      const direct: number[] = [];
      const directWhole = await timed(400, c, async () => void direct.push(await direct1()));
      const proxied: number[] = [];
      await timed(400, c, async () => void proxied.push(await thin1()));
      const via: number[] = [];
      const viaWhole = await timed(400, c, async () => void via.push(await via1()));
      const d = summarize(direct);
      const a = summarize(via);
      log(`openai: TTFT direct, ${c} client(s) (ms)`, d);
      log(`openai: TTFT via /openai/v1, ${c} client(s) (ms)`, { ...a, load_avg: loadAverage() });
      log(`openai: TTFT added p50 / p99, ${c} client(s) (ms)`, [r2(a.p50 - d.p50), r2(a.p99 - d.p99)]);
      const t = summarize(proxied);
      log(`openai: TTFT thin proxy added p50 / p99, ${c} client(s) (ms)`, [
        r2(t.p50 - d.p50),
        r2(t.p99 - d.p99),
      ]);
      const dw = summarize(directWhole);
      const aw = summarize(viaWhole);
      log(`openai: whole stream added p50 / p99, ${c} client(s) (ms)`, [
        r2(aw.p50 - dw.p50),
        r2(aw.p99 - dw.p99),
      ]);
    }
  } finally {
    ttftThin.close();
    ttftMock.close();
  }
}
