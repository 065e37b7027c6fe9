/**
 * Reads and checks a GGUF file's header before llama.cpp is handed it: a file missing a hyperparameter
 * llama.cpp asserts on (e.g. `llama.feed_forward_length`, `llama.attention.head_count`) aborts the whole
 * process inside the native loader, so such a file must be refused here, in JavaScript, with a clear error.
 */
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { ProviderError } from '../types.js';

export interface GgufHeader {
  architecture: string;
  name: string | null;
  contextLength: number;
  sizeBytes: number;
}

/** node-llama-cpp's module, imported only when a GGUF file is actually touched (it is large). */
export type NodeLlamaCpp = typeof import('node-llama-cpp');
let modulePromise: Promise<NodeLlamaCpp> | null = null;
export function loadNodeLlamaCpp(): Promise<NodeLlamaCpp> {
  modulePromise ??= import('node-llama-cpp');
  return modulePromise;
}

// Architectures without attention heads or a feed-forward width (state-space and RWKV models).
const NO_ATTENTION = /^(mamba|rwkv)/;
// Element sizes of the unquantised types, the ones whose extent we can check without block tables.
const ELEMENT_BYTES: Record<number, number> = { 0: 4, 1: 2, 30: 2 }; // F32, F16, BF16

function lookup(tree: unknown, key: string): unknown {
  let node: unknown = tree;
  for (const part of key.split('.')) {
    if (typeof node !== 'object' || node === null || !(part in node)) return undefined;
    node = Reflect.get(node, part);
  }
  return node;
}

const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v > 0;

function refuse(file: string, why: string, cause?: unknown): ProviderError {
  return new ProviderError(
    'bad_request',
    `model file ${path.basename(file)} is not a usable GGUF model: ${why}`,
    400,
    {
      cause,
    },
  );
}

/**
 * Validates the header (metadata keys llama.cpp requires, tensor extents against the file size).
 * @throws ProviderError('bad_request') naming what is wrong
 */
export async function readGgufHeader(file: string): Promise<GgufHeader> {
  const { readGgufFileInfo } = await loadNodeLlamaCpp();
  const size = (await stat(file)).size;
  let info: Awaited<ReturnType<typeof readGgufFileInfo>>;
  try {
    info = await readGgufFileInfo(file, {
      sourceType: 'filesystem',
      logWarnings: false,
      spliceSplitFiles: false,
    });
  } catch (err) {
    throw refuse(file, `unreadable header (${err instanceof Error ? err.message : String(err)})`, err);
  }
  const meta: unknown = info.metadata;
  const arch = lookup(meta, 'general.architecture');
  if (typeof arch !== 'string' || !arch) throw refuse(file, 'general.architecture is missing');
  const required = [`${arch}.context_length`, `${arch}.embedding_length`, `${arch}.block_count`];
  if (!NO_ATTENTION.test(arch)) required.push(`${arch}.feed_forward_length`, `${arch}.attention.head_count`);
  const missing = required.filter((k) => {
    const v = lookup(meta, k);
    // feed_forward_length may be a per-layer array in newer files.
    return !(isCount(v) || (Array.isArray(v) && v.length > 0 && v.every(isCount)));
  });
  if (missing.length) throw refuse(file, `missing or invalid ${missing.join(', ')}`);
  const tokens = lookup(meta, 'tokenizer.ggml.tokens');
  if (typeof lookup(meta, 'tokenizer.ggml.model') !== 'string' || !Array.isArray(tokens) || !tokens.length) {
    throw refuse(file, 'it has no tokenizer (tokenizer.ggml.model / tokenizer.ggml.tokens)');
  }
  const tensors = info.tensorInfo ?? [];
  if (!tensors.length) throw refuse(file, 'it has no tensors');
  for (const t of tensors) {
    const start = Number(t.fileOffset);
    const elementBytes = ELEMENT_BYTES[t.ggmlType];
    const bytes = elementBytes ? t.dimensions.reduce<number>((a, d) => a * Number(d), elementBytes) : 1;
    if (start + bytes > size)
      throw refuse(file, `tensor ${t.name} lies beyond the end of the file (truncated?)`);
  }
  const name = lookup(meta, 'general.name');
  return {
    architecture: arch,
    name: typeof name === 'string' ? name : null,
    contextLength: Number(lookup(meta, `${arch}.context_length`)),
    sizeBytes: size,
  };
}
