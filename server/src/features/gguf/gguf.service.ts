/**
 * GGUF files dropped into MODELS_DIR: listed in every user's catalogue as provider `gguf`, and resolved
 * to a llama-cpp target for the chat engine. Only files directly inside MODELS_DIR are ever opened.
 */
import { statSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { type CatalogError, type CatalogModel, GGUF_PROVIDER } from '@pocketllm/contracts';
import type { Config } from '../../config.js';
import { AppError } from '../../errors.js';
import type { Managed } from '../../lib/lifecycle.js';
import { ggufModelId } from '../../llm/llama-cpp.js';
import type { GgufModelManager } from '../../llm/llama-runtime/model-manager.js';
import { ggufKind } from '../../llm/llama-runtime/validate.js';
import type { ProviderTarget } from '../../llm/types.js';

export interface GgufDeps {
  config: Config;
  /** The process's one manager (built in services.ts; tests build their own). */
  manager: GgufModelManager;
  /** How long an unused model stays loaded. */
  idleMs?: number;
}

// A model id is a file name without its extension: no separators, no leading dot (no traversal).
const SAFE_ID = /^[^/\\\0]+$/;

export function createGgufService(deps: GgufDeps) {
  const { modelsDir, llamaThreads, llamaMaxLoaded } = deps.config.localModels;
  const { manager } = deps;
  manager.configure({
    threads: llamaThreads,
    maxLoaded: llamaMaxLoaded,
    ...(deps.idleMs !== undefined ? { idleMs: deps.idleMs } : {}),
  });
  manager.allowDir(modelsDir);

  function fileOf(model: string): string | null {
    if (!SAFE_ID.test(model) || model.startsWith('.')) return null;
    const file = path.resolve(modelsDir, `${model}.gguf`);
    return path.dirname(file) === modelsDir ? file : null;
  }

  async function ggufFiles(): Promise<string[]> {
    try {
      const entries = await readdir(modelsDir, { withFileTypes: true });
      return entries
        .filter((e) => e.isFile() && /\.gguf$/i.test(e.name) && !e.name.startsWith('.'))
        .map((e) => path.join(modelsDir, e.name))
        .sort();
    } catch (err) {
      // No models folder simply means no local models.
      if (err instanceof Error && 'code' in err && err.code === 'ENOENT') return [];
      throw err;
    }
  }

  /** Every usable `*.gguf` in MODELS_DIR; unusable files are reported as errors, not listed. */
  async function listModels(): Promise<{ models: CatalogModel[]; errors: CatalogError[] }> {
    const files = await ggufFiles();
    const results = await Promise.allSettled(files.map((f) => manager.header(f)));
    const models: CatalogModel[] = [];
    const errors: CatalogError[] = [];
    results.forEach((r, i) => {
      const id = ggufModelId(files[i] ?? '');
      if (r.status === 'fulfilled') {
        models.push({
          id,
          name: r.value.name ?? id,
          provider: GGUF_PROVIDER,
          kind: ggufKind(r.value.architecture),
          context_length: r.value.contextLength,
          owned_by: 'server',
        });
      } else {
        const why = r.reason instanceof Error ? r.reason.message : 'unreadable file';
        errors.push({ provider: GGUF_PROVIDER, message: why });
      }
    });
    return { models, errors };
  }

  return {
    modelsDir,

    /** Disposes the loaded models at shutdown (the composition root registers it with the lifecycle). */
    managed: { name: 'gguf-models', stop: () => manager.shutdown() } satisfies Managed,

    listModels,

    /**
     * The llama-cpp target for a model id (file name without `.gguf`).
     * @throws AppError('not_found') when MODELS_DIR has no such file
     */
    resolveTarget(model: string): ProviderTarget {
      const file = fileOf(model);
      if (!file || !manager.isAllowed(file) || !fileExists(file)) {
        throw new AppError('not_found', `model: no local model named ${model}`, {
          details: { field: 'model' },
        });
      }
      return { provider: GGUF_PROVIDER, adapter: 'llama-cpp', baseUrl: file, apiKey: null };
    },

    /** The catalogue source the models service lists. */
    catalogSource() {
      return { name: 'gguf', list: (_userId: string) => listModels() };
    },
  };
}

function fileExists(file: string): boolean {
  try {
    return statSync(file).isFile();
  } catch {
    return false;
  }
}

export type GgufService = ReturnType<typeof createGgufService>;
