/**
 * Chooses the model a message is sent with: the user's model configurations, the catalogue of the
 * configured providers, and local endpoints (with a health dot). The choice is remembered per browser.
 */
import { useEffect, useId } from 'react';
import { Link } from 'react-router';
import { isRecord } from '../api/client';
import { useLocalModels } from '../api/local-models';
import { useModelConfigs } from '../api/model-configs';
import { useModels } from '../api/models';
import type { LocalModelList, ModelChoice } from '../api/types';
import { Icon } from '../ui/icons';

const STORE = 'pocketllm.model_choice';

/** Catalogue groups whose provider id is not a name people read (`gguf`: a file in the server's MODELS_DIR). */
const GROUP_LABELS: Record<string, string> = { gguf: 'On this server (GGUF)' };

export function parseChoice(raw: string | null): ModelChoice | null {
  let v: unknown;
  try {
    v = JSON.parse(raw ?? 'null');
  } catch {
    return null;
  }
  if (!isRecord(v)) return null;
  if (v.kind === 'config' && typeof v.model_config_id === 'string')
    return { kind: 'config', model_config_id: v.model_config_id };
  // A choice remembered before in-process models got their own id (`local` without an endpoint is `gguf`).
  if (v.kind === 'provider' && typeof v.provider === 'string' && typeof v.model === 'string')
    return { kind: 'provider', provider: v.provider === 'local' ? 'gguf' : v.provider, model: v.model };
  if (v.kind === 'local' && typeof v.local_model_id === 'string' && typeof v.model === 'string')
    return { kind: 'local', local_model_id: v.local_model_id, model: v.model };
  return null;
}

export function loadChoice(): ModelChoice | null {
  try {
    return parseChoice(localStorage.getItem(STORE));
  } catch {
    return null;
  }
}

export function saveChoice(c: ModelChoice | null): void {
  try {
    localStorage.setItem(STORE, JSON.stringify(c));
  } catch {
    // not remembered
  }
}

/**
 * The catalogue's chat models offered by provider: models of the user's own endpoints (provider `local`) are
 * offered under their endpoint instead, with its health (a provider choice of `local` would not reach them).
 */
export function catalogueChoices<M extends { kind: string; local_model_id?: string | undefined }>(
  models: M[],
): M[] {
  return models.filter((m) => m.kind === 'chat' && !m.local_model_id);
}

export type LocalEndpoint = {
  id: string;
  name: string;
  status: string;
  models: string[];
};

/** Local endpoints as the picker needs them, from the list the settings page shows too. */
export function toLocalEndpoints(body: LocalModelList): LocalEndpoint[] {
  return body.local_models.map((e) => ({
    id: e.id,
    name: e.name,
    status: e.health_status,
    models: e.available_models,
  }));
}

export function useModelSources() {
  const models = useModels();
  const configs = useModelConfigs({ staleTime: 60_000 });
  const locals = useLocalModels({ select: toLocalEndpoints, staleTime: 60_000, retry: false });
  return { models, configs, locals };
}

/**
 * True while no model is chosen yet but one is about to be: the catalogue is loading, or it has a model the
 * picker is choosing. A message sent then waits for the choice instead of going without a model.
 */
export function useChoicePending(value: ModelChoice | null): boolean {
  const { models, configs } = useModelSources();
  if (value) return false;
  if (models.isPending || configs.isPending) return true;
  return (
    (configs.data?.model_configs.length ?? 0) > 0 ||
    (models.data?.models ?? []).some((m) => m.kind === 'chat')
  );
}

/** True once it is known that nothing can answer yet: no configuration, no provider model, no endpoint. */
export function useNoModels(): boolean {
  const { models, configs, locals } = useModelSources();
  return (
    !models.isPending &&
    !configs.isPending &&
    (configs.data?.model_configs.length ?? 0) === 0 &&
    !(models.data?.models ?? []).some((m) => m.kind === 'chat') &&
    !(locals.data ?? []).some((e) => e.models.length > 0)
  );
}

export const choiceValue = (c: ModelChoice | null) => (c ? JSON.stringify(c) : '');

const dot = (status: string) =>
  status === 'healthy' ? '● healthy' : status === 'unhealthy' ? '○ unhealthy' : '◌ unchecked';

export function ModelPicker({
  value,
  onChange,
}: {
  value: ModelChoice | null;
  onChange: (c: ModelChoice | null) => void;
}) {
  const id = useId();
  const { models, configs, locals } = useModelSources();
  const cfgs = configs.data?.model_configs ?? [];
  const chat = catalogueChoices(models.data?.models ?? []);
  const endpoints = (locals.data ?? []).filter((e) => e.models.length > 0);
  const empty = useNoModels();

  // Nothing chosen yet: take the default configuration, else the first model offered.
  useEffect(() => {
    if (value) return;
    const def = cfgs.find((c) => c.is_default) ?? cfgs[0];
    if (def) onChange({ kind: 'config', model_config_id: def.id });
    else if (chat[0]) onChange({ kind: 'provider', provider: chat[0].provider, model: chat[0].id });
  }, [value, cfgs, chat, onChange]);

  if (models.isPending && configs.isPending)
    return <span className="text-xs text-zinc-500">Loading models…</span>;
  if (empty)
    return (
      <Link
        to="/settings/providers"
        className="text-sm font-medium text-indigo-600 underline dark:text-indigo-400"
      >
        No models yet — add a provider key in Settings
      </Link>
    );
  return (
    <span className="flex min-w-0 items-center gap-1">
      <label htmlFor={id} className="sr-only">
        Model
      </label>
      <select
        id={id}
        value={choiceValue(value)}
        onChange={(e) => onChange(parseChoice(e.target.value || null))}
        className="max-w-[60vw] min-w-0 truncate rounded-lg border border-zinc-300 bg-white px-2 py-1.5 text-sm sm:max-w-xs dark:border-zinc-700 dark:bg-zinc-900"
      >
        {!value && <option value="">Choose a model</option>}
        {cfgs.length > 0 && (
          <optgroup label="My configurations">
            {cfgs.map((c) => (
              <option key={c.id} value={choiceValue({ kind: 'config', model_config_id: c.id })}>
                {c.name} ({c.model})
              </option>
            ))}
          </optgroup>
        )}
        {[...new Set(chat.map((m) => m.provider))].map((p) => (
          <optgroup key={p} label={GROUP_LABELS[p] ?? p}>
            {chat
              .filter((m) => m.provider === p)
              .map((m) => (
                <option
                  key={`${p}/${m.id}`}
                  value={choiceValue({ kind: 'provider', provider: m.provider, model: m.id })}
                >
                  {m.name || m.id}
                  {m.capabilities?.includes('vision') ? ' · sees pictures' : ''}
                </option>
              ))}
          </optgroup>
        ))}
        {endpoints.map((e) => (
          <optgroup key={e.id} label={`${e.name} (${dot(e.status)})`}>
            {e.models.map((m) => (
              <option
                key={`${e.id}/${m}`}
                value={choiceValue({ kind: 'local', local_model_id: e.id, model: m })}
              >
                {m}
              </option>
            ))}
          </optgroup>
        ))}
      </select>
      {(models.data?.errors.length ?? 0) > 0 && (
        <span
          className="text-xs text-amber-600"
          title={models.data?.errors.map((e) => `${e.provider}: ${e.message}`).join('\n')}
        >
          <Icon name="warning" />
          <span className="sr-only">Some providers failed</span>
        </span>
      )}
    </span>
  );
}
