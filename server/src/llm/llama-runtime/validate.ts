/**
 * Checks a GGUF file's header before llama.cpp is handed it: a file missing a hyperparameter
 * llama.cpp asserts on (e.g. `llama.feed_forward_length`, `llama.attention.head_count`) aborts the whole
 * process inside the native loader, so such a file must be refused here, in JavaScript, with a clear error.
 */
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { ProviderError } from '../types.js';
import { type GgufArray, GgufFormatError, type GgufValue, readGgufFileHeader } from './header.js';

export interface GgufHeader {
  architecture: string;
  name: string | null;
  contextLength: number;
  sizeBytes: number;
}

// llama.cpp's encoder-only architectures: they make embeddings and cannot generate text.
const EMBEDDING_ONLY =
  /^(bert|nomic-bert|nomic-bert-moe|neo-bert|modern-bert|jina-bert-v2|jina-bert-v3|t5encoder)$/;

/** What a GGUF model is for, from its architecture: an encoder-only one is an embedding model, never a chat. */
export const ggufKind = (architecture: string): 'chat' | 'embedding' =>
  EMBEDDING_ONLY.test(architecture) ? 'embedding' : 'chat';

/** node-llama-cpp's module, imported only when a model is first loaded (it is large: ~55 MB of RSS). */
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

const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v > 0;
const isArray = (v: GgufValue | undefined): v is GgufArray => typeof v === 'object' && v !== null;

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
  let header: Awaited<ReturnType<typeof readGgufFileHeader>>;
  try {
    header = await readGgufFileHeader(file);
  } catch (err) {
    if (!(err instanceof GgufFormatError)) throw err;
    throw refuse(file, `unreadable header (${err.message})`, err);
  }
  const size = (await stat(file)).size;
  const meta = header.metadata;
  const arch = meta.get('general.architecture');
  if (typeof arch !== 'string' || !arch) throw refuse(file, 'general.architecture is missing');
  const required = [`${arch}.context_length`, `${arch}.embedding_length`, `${arch}.block_count`];
  if (!NO_ATTENTION.test(arch)) required.push(`${arch}.feed_forward_length`, `${arch}.attention.head_count`);
  const missing = required.filter((k) => {
    const v = meta.get(k);
    // feed_forward_length and head_count may be per-layer arrays in newer files.
    return !(isCount(v) || (isArray(v) && v.length > 0 && (v.values ?? []).every(isCount)));
  });
  if (missing.length) throw refuse(file, `missing or invalid ${missing.join(', ')}`);
  const tokens = meta.get('tokenizer.ggml.tokens');
  if (typeof meta.get('tokenizer.ggml.model') !== 'string' || !isArray(tokens) || !tokens.length) {
    throw refuse(file, 'it has no tokenizer (tokenizer.ggml.model / tokenizer.ggml.tokens)');
  }
  if (!header.tensors.length) throw refuse(file, 'it has no tensors');
  for (const t of header.tensors) {
    const elementBytes = ELEMENT_BYTES[t.type];
    const bytes = elementBytes ? t.dims.reduce((a, d) => a * d, elementBytes) : 1;
    if (t.fileOffset + bytes > size)
      throw refuse(file, `tensor ${t.name} lies beyond the end of the file (truncated?)`);
  }
  const name = meta.get('general.name');
  return {
    architecture: arch,
    name: typeof name === 'string' ? name : null,
    contextLength: Number(meta.get(`${arch}.context_length`)),
    sizeBytes: size,
  };
}
