import { readFileSync } from 'node:fs';

/** The token the bench's server accepts on GET /metrics (set in benchEnv). */
export const BENCH_METRICS_TOKEN = 'bench-metrics-token-0123456789';

const MB = 1024 * 1024;
const mb = (bytes: number) => Math.round(bytes / MB);

/** The server's own process.memoryUsage() and V8 heap spaces, as its GET /metrics (prom-client defaults) tells them. */
export async function memoryNow(base: string): Promise<Record<string, number>> {
  const res = await fetch(`${base}/metrics`, { headers: { authorization: `Bearer ${BENCH_METRICS_TOKEN}` } });
  if (!res.ok) throw new Error(`GET /metrics → ${res.status}`);
  const text = await res.text();
  const value = (name: string) => Number(new RegExp(`^pocketllm_${name} (\\S+)$`, 'm').exec(text)?.[1] ?? 0);
  return {
    rss: mb(value('process_resident_memory_bytes')),
    heap_total: mb(value('nodejs_heap_size_total_bytes')),
    heap_used: mb(value('nodejs_heap_size_used_bytes')),
    external: mb(value('nodejs_external_memory_bytes')),
    new_space: mb(value('nodejs_heap_space_size_total_bytes\\{space="new"\\}')),
    // counters (not MB): scavenges and mark-compacts so far, and the milliseconds spent in all GC
    gc_minor: value('nodejs_gc_duration_seconds_count\\{kind="minor"\\}'),
    gc_major: value('nodejs_gc_duration_seconds_count\\{kind="major"\\}'),
    gc_ms: Math.round(
      1000 *
        ['minor', 'major', 'incremental', 'weakcb'].reduce(
          (n, kind) => n + value(`nodejs_gc_duration_seconds_sum\\{kind="${kind}"\\}`),
          0,
        ),
    ),
  };
}

/**
 * Samples the server's memory every `everyMs` while a load runs; `stop()` answers the peak of each figure
 * (MB), the last sample, and the series of heap used and RSS. A scrape costs the server well under a millisecond, twice a second.
 */
export function sampleMemory(base: string, everyMs = 500) {
  const samples: Record<string, number>[] = [];
  let running = true;
  const loop = (async () => {
    while (running) {
      samples.push(await memoryNow(base));
      await new Promise((r) => setTimeout(r, everyMs));
    }
  })();
  return async () => {
    running = false;
    await loop;
    const peak: Record<string, number> = {};
    for (const s of samples)
      for (const [k, v] of Object.entries(s)) if (!k.startsWith('gc_')) peak[k] = Math.max(peak[k] ?? 0, v);
    const first = samples[0] ?? {};
    const last = samples.at(-1) ?? {};
    const during = (k: string) => (last[k] ?? 0) - (first[k] ?? 0);
    return {
      peak,
      gc_during: { minor: during('gc_minor'), major: during('gc_major'), ms: during('gc_ms') },
      last: samples.at(-1) ?? {},
      heap_used_series: samples.map((x) => x.heap_used),
      rss_series: samples.map((x) => x.rss),
    };
  };
}

/**
 * Where a process's resident memory is, from /proc/<pid>/smaps (MB): V8's heap pages (the many small
 * anonymous mappings), malloc's main heap, large anonymous blocks (malloc arenas, the PGlite wasm memory),
 * the node binary and other files.
 */
export function residentBreakdown(pid: number): Record<string, number> {
  const out: Record<string, number> = {};
  let key = '';
  for (const line of readFileSync(`/proc/${pid}/smaps`, 'utf8').split('\n')) {
    const head = /^([0-9a-f]+)-([0-9a-f]+) \S+ \S+ \S+ \S+\s*(.*)$/.exec(line);
    if (head) {
      const sizeKb = (Number.parseInt(head[2] ?? '0', 16) - Number.parseInt(head[1] ?? '0', 16)) / 1024;
      const name = head[3] ?? '';
      if (name === '[heap]') key = 'malloc_heap';
      else if (name.endsWith('/node')) key = 'node_binary';
      else if (name) key = 'files';
      else key = sizeKb <= 1024 ? 'anon_small' : sizeKb < 32 * 1024 ? 'anon_medium' : 'anon_large';
    } else if (line.startsWith('Rss:')) {
      out[key] = (out[key] ?? 0) + Number(line.replace(/\D+/g, ''));
    }
  }
  return Object.fromEntries(Object.entries(out).map(([k, kb]) => [k, Math.round(kb / 1024)]));
}
