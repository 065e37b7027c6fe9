import type { CatalogModel } from '@pocketllm/contracts';
import { AppError } from '../../errors.js';
import { PROVIDER_NAMES } from '../../llm/catalog.js';
import type { ModelChoice } from '../chats/pipeline/resolve-target.js';

const CLOUD = new Set<string>(PROVIDER_NAMES);

/** The name a catalogue model has in /openai/v1: always `provider/model`. */
export const publicName = (m: Pick<CatalogModel, 'provider' | 'id'>) => `${m.provider}/${m.id}`;

export const modelNotFound = (model: string) =>
  new AppError('not_found', `The model \`${model}\` does not exist or you do not have access to it.`, {
    details: { field: 'model', reason: 'model_not_found' },
  });

/**
 * A `provider/model` naming a cloud provider needs no catalogue (the hot path: no lookup at all); anything
 * else (a bare id, `local/<model>` of an endpoint, `gguf/<model>` of a GGUF file) is looked up in the user's catalogue.
 */
export function directChoice(model: string): ModelChoice | null {
  const slash = model.indexOf('/');
  if (slash <= 0 || slash === model.length - 1) return null;
  const provider = model.slice(0, slash);
  return CLOUD.has(provider) ? { provider, model: model.slice(slash + 1) } : null;
}

/**
 * The catalogue entry a name means: `provider/model` exactly, else a bare id when exactly one provider
 * serves it. @throws not_found (unknown), validation_error (a bare id several providers serve)
 */
export function catalogChoice(model: string, catalog: readonly CatalogModel[]): ModelChoice {
  let found = catalog.find((m) => publicName(m) === model);
  if (!found) {
    const same = catalog.filter((m) => m.id === model);
    if (same.length > 1) {
      const names = same.map(publicName).slice(0, 5).join(', ');
      throw new AppError(
        'validation_error',
        `model: \`${model}\` is served by several providers; use one of ${names}`,
        {
          details: { field: 'model' },
        },
      );
    }
    found = same[0];
  }
  if (!found) throw modelNotFound(model);
  return found.local_model_id
    ? { local_model_id: found.local_model_id, model: found.id }
    : { provider: found.provider, model: found.id };
}
