/**
 * Lexical similarity of two prompts' content tokens (Jaccard), with one rule that keeps wrong hits rare:
 * a paraphrase may add or drop words ("which city is France's capital" ~ "capital of France"), but when
 * each side has a word the other lacks, a word was swapped ("France" → "Spain", "ascending" →
 * "descending") and the question is treated as a different one. Synonyms are left to embeddings.
 */
export function lexicalSimilarity(a: readonly string[], b: readonly string[]): number {
  if (a.length === 0 || b.length === 0) return 0;
  const setA = new Set(a);
  const setB = new Set(b);
  let shared = 0;
  for (const t of setA) if (setB.has(t)) shared++;
  const onlyA = setA.size - shared;
  const onlyB = setB.size - shared;
  if (onlyA > 0 && onlyB > 0) return 0;
  return shared / (setA.size + setB.size - shared);
}

export function cosine(a: readonly number[], b: readonly number[]): number {
  if (a.length !== b.length || a.length === 0) return 0;
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i] ?? 0;
    const y = b[i] ?? 0;
    dot += x * y;
    na += x * x;
    nb += y * y;
  }
  return na === 0 || nb === 0 ? 0 : dot / Math.sqrt(na * nb);
}
