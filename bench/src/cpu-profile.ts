import { existsSync, readFileSync } from 'node:fs';
import { SourceMap } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

// `node --import tsx bench/src/cpu-profile.ts <file.cpuprofile> [fromS] [toS]`: where a `--cpu-prof` profile's
// time went, by package (node_modules/<pkg>, the server's own folders, node internals, PGlite's WASM) and by
// function, optionally only between two offsets from the profile's start (to leave start-up out).

interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
  children?: number[];
}
interface Profile {
  nodes: Node[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
}

function bucket(url: string, fn: string): string {
  if (!url) return fn.startsWith('(') ? fn : '(native)';
  // drizzle-orm's own source maps point at node_modules/src/… once esbuild has followed them
  if (url.startsWith('node_modules/src/')) return 'drizzle-orm';
  const nm = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (nm?.[1]) return nm[1];
  if (url.startsWith('wasm://')) return '(wasm)';
  if (url.startsWith('node:')) return url.replace(/^node:(internal\/)?/, 'node:').split('/')[0] ?? url;
  const own = /(server|contracts)\/(?:dist|src)\/(.*?)(?:\/[^/]+)?\.[jt]s$/.exec(url);
  if (own) return `${own[1]}/${own[2]}`;
  return url;
}

// The server runs as an esbuild bundle: frames in its chunks are mapped back through the bundle's source maps to the
// original file (node_modules/<pkg>/… or server/src/…) before bucketing.
const maps = new Map<string, SourceMap | null>();
function original(frame: Node['callFrame']): { url: string; line: number } {
  const { url, lineNumber, columnNumber } = frame;
  if (!url.startsWith('file://') || lineNumber < 0) return { url, line: lineNumber };
  let map = maps.get(url);
  if (map === undefined) {
    const mapFile = `${fileURLToPath(url)}.map`;
    map = existsSync(mapFile) ? new SourceMap(JSON.parse(readFileSync(mapFile, 'utf8'))) : null;
    maps.set(url, map);
  }
  const entry = map?.findEntry(lineNumber, columnNumber) as
    | { originalSource?: string; originalLine?: number }
    | undefined;
  if (!entry?.originalSource) return { url, line: lineNumber };
  // Relative to the repository: node_modules/<pkg>/…, server/src/…, contracts/src/…
  const source = path.relative(
    process.cwd(),
    path.resolve(path.dirname(fileURLToPath(url)), entry.originalSource),
  );
  return { url: source, line: entry.originalLine ?? 0 };
}

const [file, fromArg, toArg] = process.argv.slice(2);
if (!file) throw new Error('usage: cpu-profile.ts <file.cpuprofile> [fromS] [toS]');
const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const from = Number(fromArg ?? 0) * 1e6;
const to = toArg ? Number(toArg) * 1e6 : Number.POSITIVE_INFINITY;
const self = new Map<number, number>();
let t = 0;
let total = 0;
profile.samples.forEach((id, i) => {
  t += profile.timeDeltas[i] ?? 0;
  if (t < from || t > to) return;
  const dt = profile.timeDeltas[i + 1] ?? 0;
  self.set(id, (self.get(id) ?? 0) + dt);
  total += dt;
});

const add = (m: Map<string, number>, k: string, v: number) => m.set(k, (m.get(k) ?? 0) + v);
const packages = new Map<string, number>();
const functions = new Map<string, number>();
for (const [id, us] of self) {
  const n = byId.get(id);
  if (!n) continue;
  const { functionName } = n.callFrame;
  if (functionName === '(idle)') continue;
  const { url, line } = original(n.callFrame);
  add(packages, bucket(url, functionName), us);
  add(functions, `${functionName || '(anonymous)'} ${bucket(url, functionName)}:${line + 1}`, us);
}
const busy = [...packages.values()].reduce((a, b) => a + b, 0);
const show = (title: string, m: Map<string, number>, n: number) => {
  process.stdout.write(`\n${title}\n`);
  for (const [k, us] of [...m].sort((a, b) => b[1] - a[1]).slice(0, n)) {
    process.stdout.write(
      `${((100 * us) / busy).toFixed(1).padStart(6)}%  ${(us / 1000).toFixed(0).padStart(7)} ms  ${k}\n`,
    );
  }
};
process.stdout.write(`window ${(total / 1e6).toFixed(1)} s, busy (not idle) ${(busy / 1e6).toFixed(2)} s\n`);
show('by package / folder (self time)', packages, 25);
show('by function (self time)', functions, 30);
