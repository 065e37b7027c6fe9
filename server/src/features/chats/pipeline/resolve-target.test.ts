import { describe, expect, it } from 'vitest';
import { AppError } from '../../../errors.js';
import { createMemoryBus } from '../../../lib/event-bus.js';
import type { ProviderTarget } from '../../../llm/types.js';
import { type ModelSettings, type ModelSources, resolveTarget } from './resolve-target.js';
import { createTargetCache, TARGETS_CHANGED } from './target-cache.js';

const settings = (id: string, over: Partial<ModelSettings> = {}): ModelSettings => ({
  id,
  model: `model-${id}`,
  local_model_id: null,
  system_prompt: null,
  temperature: 0.7,
  max_tokens: 1000,
  top_p: 1,
  frequency_penalty: 0,
  presence_penalty: 0,
  ...over,
});
const remote = (provider: string): ProviderTarget => ({
  provider,
  adapter: 'openai-compatible',
  baseUrl: `https://${provider}.example/v1`,
  apiKey: `sk-${provider}`,
});

/** Sources over plain maps, counting every read a resolution makes. */
function sources(configs: ModelSettings[], defaultId: string | null) {
  const reads: string[] = [];
  const byId = new Map(configs.map((c) => [c.id, c]));
  const s: ModelSources = {
    providers: {
      resolveTarget: async (_u, provider) => {
        reads.push(`provider:${provider}`);
        return remote(provider);
      },
    },
    modelConfigs: {
      getDefault: async () => {
        reads.push('default');
        return defaultId ? (byId.get(defaultId) ?? null) : null;
      },
      resolveTarget: async (_u, id) => {
        reads.push(`config:${id}`);
        const config = byId.get(id);
        if (!config) throw new AppError('not_found', 'Model configuration not found');
        return {
          config,
          target: config.local_model_id
            ? { ...remote('local'), localEndpointId: config.local_model_id }
            : remote('openai'),
        };
      },
    },
    localModels: {
      resolveTarget: async (_u, id, model) => {
        reads.push(`local:${id}:${model}`);
        return { target: { ...remote('local'), localEndpointId: id } };
      },
    },
  };
  return { s, reads, byId };
}
const body = {};

describe('resolve target (send step 1)', () => {
  it('picks the request config, else the chat config, else the default; merges request params', async () => {
    const { s } = sources([settings('a'), settings('b'), settings('d')], 'd');
    const r = (b: object, chat: string | null) =>
      resolveTarget({ sources: s }, { userId: 'u', body: b, chatModelConfigId: chat });
    expect((await r({ model_config_id: 'a' }, 'b')).model).toBe('model-a');
    expect((await r(body, 'b')).model).toBe('model-b');
    const d = await r({ params: { temperature: 0.1 } }, null);
    expect(d).toMatchObject({
      model: 'model-d',
      modelConfigId: 'd',
      params: { temperature: 0.1, max_tokens: 1000 },
    });
    expect((await r({ provider: 'groq', model: 'llama' }, 'b')).target.provider).toBe('groq');
    await expect(r({ model: 'x' }, null)).rejects.toMatchObject({ code: 'validation_error' });
  });

  it('answers no_model_configured without a default', async () => {
    const { s } = sources([], null);
    await expect(
      resolveTarget({ sources: s }, { userId: 'u', body, chatModelConfigId: null }),
    ).rejects.toMatchObject({ code: 'no_model_configured' });
  });

  it('reads the stored rows once, then serves sends from the cache until they change', async () => {
    const bus = createMemoryBus();
    const cache = createTargetCache({ bus });
    const { s, reads, byId } = sources([settings('d')], 'd');
    const r = (b: object = body) =>
      resolveTarget({ sources: s, cache }, { userId: 'u', body: b, chatModelConfigId: null });
    await r();
    await r();
    await r({ params: { temperature: 0 } });
    await r({ provider: 'groq', model: 'm' });
    await r({ provider: 'groq', model: 'm2' });
    expect(reads).toEqual(['default', 'config:d', 'provider:groq']);
    // The cached settings are not changed by a request's params.
    expect((await r()).params.temperature).toBe(0.7);

    byId.set('d', settings('d', { model: 'renamed' }));
    cache.invalidate('u');
    expect((await r()).model).toBe('renamed');
    // Another user's change (here: a message from another instance) leaves this one's entry alone.
    bus.publish(TARGETS_CHANGED, { userId: 'someone-else' });
    await r();
    expect(reads.filter((x) => x === 'config:d')).toHaveLength(2);
    bus.publish(TARGETS_CHANGED, { userId: 'u' });
    await r();
    expect(reads.filter((x) => x === 'config:d')).toHaveLength(3);
  });

  it('does not keep what a resolution read while the rows changed under it', async () => {
    const cache = createTargetCache({ bus: createMemoryBus() });
    const { s, reads } = sources([settings('d')], 'd');
    const slow: ModelSources = {
      ...s,
      modelConfigs: {
        ...s.modelConfigs,
        getDefault: async (u) => {
          const found = await s.modelConfigs.getDefault(u);
          cache.invalidate('u'); // the default changed while this send was reading it
          return found;
        },
      },
    };
    const input = { userId: 'u', body, chatModelConfigId: null };
    await resolveTarget({ sources: slow, cache }, input);
    await resolveTarget({ sources: s, cache }, input);
    expect(reads).toEqual(['default', 'config:d', 'default', 'config:d']);
  });

  it('resolves a local endpoint on every send (its target follows its health)', async () => {
    const cache = createTargetCache({ bus: createMemoryBus() });
    const { s, reads } = sources([settings('l', { local_model_id: 'ep1' })], 'l');
    const input = { userId: 'u', body, chatModelConfigId: 'l' };
    const first = await resolveTarget({ sources: s, cache }, input);
    await resolveTarget({ sources: s, cache }, input);
    expect(first.target.localEndpointId).toBe('ep1');
    expect(reads).toEqual(['config:l', 'local:ep1:model-l', 'config:l', 'local:ep1:model-l']);
  });
});
