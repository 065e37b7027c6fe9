import type { SendMessageBody } from '@pocketllm/contracts';
import { AppError, invalidField } from '../../errors.js';
import type { ChatParams, ProviderTarget } from '../../llm/types.js';

/** The few fields of a model configuration a send needs. */
export interface ModelSettings {
  id: string;
  model: string;
  local_model_id: string | null;
  system_prompt: string | null;
  temperature: number;
  max_tokens: number;
  top_p: number;
  frequency_penalty: number;
  presence_penalty: number;
}

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
  };
  gguf?: { resolveTarget(model: string): ProviderTarget };
}

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

/**
 * Picks the model of a send: the request's model config, local endpoint or provider+model; else the chat's
 * model config; else the user's default. @throws no_model_configured, validation_error, provider_not_configured
 */
export async function resolveModel(
  sources: ModelSources,
  userId: string,
  body: Pick<SendMessageBody, 'model_config_id' | 'provider' | 'local_model_id' | 'model' | 'params'>,
  chatModelConfigId: string | null,
): Promise<ResolvedModel> {
  const fromConfig = async (configId: string): Promise<ResolvedModel> => {
    const { config, target } = await sources.modelConfigs.resolveTarget(userId, configId);
    const params: ChatParams = {
      temperature: config.temperature,
      max_tokens: config.max_tokens,
      top_p: config.top_p,
      frequency_penalty: config.frequency_penalty,
      presence_penalty: config.presence_penalty,
      ...body.params,
    };
    const base = {
      model: config.model,
      params,
      systemPrompt: config.system_prompt,
      modelConfigId: config.id,
    };
    if (config.local_model_id && sources.localModels) {
      const local = await sources.localModels.resolveTarget(userId, config.local_model_id, config.model);
      return { ...base, target: local.target, ...(local.failover ? { failover: local.failover } : {}) };
    }
    return { ...base, target };
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

  if (body.model_config_id) return fromConfig(body.model_config_id);
  if (body.local_model_id) {
    if (!body.model) throw invalidField('model', 'model is required with local_model_id');
    if (!sources.localModels) throw new AppError('no_model_configured', 'Local endpoints are not available');
    const local = await sources.localModels.resolveTarget(userId, body.local_model_id, body.model);
    return direct(local.target, body.model, local.failover);
  }
  if (body.provider) {
    if (!body.model) throw invalidField('model', 'model is required with provider');
    if (body.provider === 'local' && sources.gguf)
      return direct(sources.gguf.resolveTarget(body.model), body.model);
    return direct(await sources.providers.resolveTarget(userId, body.provider), body.model);
  }
  if (body.model) throw invalidField('provider', 'provider (or local_model_id) is required with model');
  if (chatModelConfigId) return fromConfig(chatModelConfigId);
  const fallback = await sources.modelConfigs.getDefault(userId);
  if (fallback) return fromConfig(fallback.id);
  throw new AppError('no_model_configured', NO_MODEL);
}
