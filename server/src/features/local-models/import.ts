/**
 * The migration path from the old browser app: its export of localStorage `local-openai-models`, an array of
 * `{name, baseUrl, apiKey, isActive, availableModels}`. Every item is checked on its own (shape, URL policy,
 * duplicates) so one bad row never sinks the others. Imported endpoints keep their model list and start
 * `unknown`; the health scheduler checks them on its next round (an import must not wait on N hosts).
 */
import { type ImportLocalModelsResult, legacyLocalModel } from '@pocketllm/contracts';
import { AppError } from '../../errors.js';
import { type Core, toLocalModel } from './local-models.core.js';
import * as repo from './local-models.repository.js';

const nameOf = (item: unknown): string | null =>
  typeof item === 'object' && item !== null && 'name' in item && typeof item.name === 'string'
    ? item.name
    : null;

const identity = (name: string, baseUrl: string) => `${name.trim().toLowerCase()}\n${baseUrl}`;

export async function importLegacy(
  core: Core,
  userId: string,
  items: unknown[],
): Promise<ImportLocalModelsResult> {
  const result: ImportLocalModelsResult = { created: [], refused: [] };
  const existing = await repo.allEndpointsOf(core.db, userId);
  const seen = new Set(existing.map((e) => identity(e.name, e.baseUrl)));

  for (const [index, item] of items.entries()) {
    const refuse = (reason: string) => result.refused.push({ index, name: nameOf(item), reason });
    const parsed = legacyLocalModel.safeParse(item);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      refuse(issue ? `${issue.path.join('.') || 'item'}: ${issue.message}` : 'not a valid endpoint');
      continue;
    }
    const it = parsed.data;
    let baseUrl: string;
    try {
      baseUrl = await core.baseUrlOf(it.baseUrl, 'baseUrl');
    } catch (err) {
      refuse(err instanceof AppError ? err.message : 'baseUrl: not allowed');
      continue;
    }
    const key = identity(it.name, baseUrl);
    if (seen.has(key)) {
      refuse('an endpoint with this name and baseUrl already exists');
      continue;
    }
    seen.add(key);
    const row = await core.insertWithAudit(
      userId,
      {
        name: it.name,
        baseUrl,
        // The old app spoke only the OpenAI protocol to these servers (Ollama included, through /v1).
        endpointType: 'openai-compatible',
        isActive: it.isActive ?? true,
        apiKey: it.apiKey?.trim() || null,
        availableModels: [...new Set(it.availableModels ?? [])],
      },
      'import',
    );
    result.created.push(toLocalModel(row));
  }
  return result;
}
