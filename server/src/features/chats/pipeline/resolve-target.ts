import { isGgufProvider, type SendMessageBody } from '@pocketllm/contracts';
import { AppError, invalidField } from '../../../errors.js';
import type { ChatParams, ProviderTarget } from '../../../llm/types.js';
import type { EndpointFailover } from './failover.js';
import type { ConfigTarget, ModelSettings, TargetCache } from './target-cache.js';

export type { ModelSettings };

/** Where the chat engine finds models: the services of providers, model configs, local endpoints and GGUF files. */
export interface ModelSources {
  providers: { resolveTarget(userId: string, provider: string): Promise<ProviderTarget> };
  modelConfigs: {
    getDefault(userId: string): Promise<ModelSettings | null>;
    resolveTarget(
      userId: string,
      configId: string,
    ): Promise<{ config: ModelSettings; target: ProviderTarget }>;
  };
  localModels?: {
    resolveTarget(
      userId: string,
      localModelId: string,
      model: string,
    ): Promise<{ target: ProviderTarget; failover?: { from: string; to: string; reason: string } }>;
    /** Where a send goes when the endpoint fails before its first byte (step 5, failover.ts). */
    failover?: EndpointFailover;
  };
  gguf?: { resolveTarget(model: string): ProviderTarget };
}

/** Step 1 of a send: which model, where, with which settings. */
export interface ResolvedModel {
  target: ProviderTarget;
  model: string;
  params: ChatParams;
  systemPrompt: string | null;
  modelConfigId: string | null;
  failover?: { from: string; to: string; reason: string };
}

const NO_MODEL =
  'No model is selected for this chat. Add a provider key in Settings → Providers and create a model ' +
  'configuration (or mark one as default), or send `provider` and `model` with the message.';

/** The part of a send's body that picks its model. */
export type ModelChoice = Pick<
  SendMessageBody,
  'model_config_id' | 'provider' | 'local_model_id' | 'model' | 'params'
>;

export interface ResolveInput {
  userId: string;
  body: ModelChoice;
  /** The chat's own model configuration, if it has one. */
  chatModelConfigId: string | null;
}

/**
 * Picks the model of a send: the request's model config, local endpoint or provider+model; else the chat's
 * model config; else the user's default. What the user's stored rows resolve to is kept in `cache` (when
 * given) until they change. @throws no_model_configured, validation_error, provider_not_configured, not_found
 */
export async function resolveTarget(
  deps: { sources: ModelSources; cache?: TargetCache | undefined },
  input: ResolveInput,
): Promise<ResolvedModel> {
  const { sources, cache } = deps;
  const { userId, body } = input;

  type Found = ConfigTarget & { failover?: ResolvedModel['failover'] };
  // `key` null is the user's default configuration (whichever it is when first read).
  const resolveConfig = async (configId: string, key: string | null, since: number): Promise<Found> => {
    const { config, target } = await sources.modelConfigs.resolveTarget(userId, configId);
    if (config.local_model_id && sources.localModels) {
      const local = await sources.localModels.resolveTarget(userId, config.local_model_id, config.model);
      return { config, target: local.target, ...(local.failover ? { failover: local.failover } : {}) };
    }
    cache?.setConfig(userId, key, { config, target }, since);
    return { config, target };
  };
  const configTarget = async (configId: string): Promise<Found> =>
    cache?.config(userId, configId) ?? resolveConfig(configId, configId, cache?.begin() ?? 0);
  const defaultTarget = async (): Promise<Found | null> => {
    const cached = cache?.config(userId, null);
    if (cached) return cached;
    const since = cache?.begin() ?? 0;
    const fallback = await sources.modelConfigs.getDefault(userId);
    return fallback ? resolveConfig(fallback.id, null, since) : null;
  };
  const fromConfig = (found: Found): ResolvedModel => {
    const { config } = found;
    const params: ChatParams = {
      temperature: config.temperature,
      max_tokens: config.max_tokens,
      top_p: config.top_p,
      frequency_penalty: config.frequency_penalty,
      presence_penalty: config.presence_penalty,
      ...body.params,
    };
    return {
      target: found.target,
      model: config.model,
      params,
      systemPrompt: config.system_prompt,
      modelConfigId: config.id,
      ...(found.failover ? { failover: found.failover } : {}),
    };
  };
  const direct = (
    target: ProviderTarget,
    model: string,
    failover?: ResolvedModel['failover'],
  ): ResolvedModel => ({
    target,
    model,
    params: { ...body.params },
    systemPrompt: null,
    modelConfigId: null,
    ...(failover ? { failover } : {}),
  });
  const providerTarget = async (provider: string) => {
    const cached = cache?.provider(userId, provider);
    if (cached) return cached;
    const since = cache?.begin() ?? 0;
    const target = await sources.providers.resolveTarget(userId, provider);
    cache?.setProvider(userId, provider, target, since);
    return target;
  };

  if (body.model_config_id) return fromConfig(await configTarget(body.model_config_id));
  if (body.local_model_id) {
    if (!body.model) throw invalidField('model', 'model is required with local_model_id');
    if (!sources.localModels) throw new AppError('no_model_configured', 'Local endpoints are not available');
    const local = await sources.localModels.resolveTarget(userId, body.local_model_id, body.model);
    return direct(local.target, body.model, local.failover);
  }
  if (body.provider) {
    if (!body.model) throw invalidField('model', 'model is required with provider');
    // `gguf`, or `local` without an endpoint as it was called before (never a user's endpoint: that needs local_model_id).
    if (isGgufProvider(body.provider) && sources.gguf)
      return direct(sources.gguf.resolveTarget(body.model), body.model);
    return direct(await providerTarget(body.provider), body.model);
  }
  if (body.model) throw invalidField('provider', 'provider (or local_model_id) is required with model');
  if (input.chatModelConfigId) return fromConfig(await configTarget(input.chatModelConfigId));
  const fallback = await defaultTarget();
  if (fallback) return fromConfig(fallback);
  throw new AppError('no_model_configured', NO_MODEL);
}
