import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { contentTokens } from '../../server/src/answer-cache/normalize.js';
import { lexicalSimilarity } from '../../server/src/answer-cache/similarity.js';

// The similarity step of the answer cache on a paraphrase set: for every paraphrase (should hit its own prompt)
// and every near-miss (must hit nothing), the best-scoring cached prompt is taken, as the cache does.
// Run: node --import tsx bench/src/paraphrase-eval.ts

interface Case {
  prompt: string;
  paraphrases: string[];
  near_misses: string[];
}
const cases: Case[] = JSON.parse(readFileSync(new URL('../data/paraphrases.json', import.meta.url), 'utf8'));
const cached = cases.map((c) => contentTokens(c.prompt));

function best(query: string) {
  const q = contentTokens(query);
  let top = { index: -1, score: 0 };
  cached.forEach((tokens, index) => {
    const score = lexicalSimilarity(q, tokens);
    if (score > top.score) top = { index, score };
  });
  return top;
}

const rows: { threshold: number; hit_rate: number; wrong_hit_rate: number }[] = [];
const paraphrases = cases.flatMap((c, i) => c.paraphrases.map((p) => ({ p, i })));
const misses = cases.flatMap((c) => c.near_misses);
for (let t = 0.3; t <= 0.951; t += 0.05) {
  const threshold = Math.round(t * 100) / 100;
  let hits = 0;
  let wrong = 0;
  for (const { p, i } of paraphrases) {
    const b = best(p);
    if (b.score >= threshold) b.index === i ? hits++ : wrong++;
  }
  for (const m of misses) if (best(m).score >= threshold) wrong++;
  rows.push({
    threshold,
    hit_rate: Math.round((hits / paraphrases.length) * 1000) / 10,
    wrong_hit_rate: Math.round((wrong / (paraphrases.length + misses.length)) * 1000) / 10,
  });
}
process.stdout.write(`${paraphrases.length} paraphrases, ${misses.length} near-misses\n`);
process.stdout.write('threshold  hit%  wrong%\n');
for (const r of rows)
  process.stdout.write(
    `${r.threshold.toFixed(2).padStart(9)}  ${String(r.hit_rate).padStart(4)}  ${String(r.wrong_hit_rate).padStart(6)}\n`,
  );
const out = path.join(process.cwd(), 'bench', 'results');
mkdirSync(out, { recursive: true });
writeFileSync(path.join(out, 'paraphrase-eval.json'), `${JSON.stringify(rows, null, 2)}\n`);
