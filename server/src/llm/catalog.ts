/** Every provider PocketLLM can talk to, with what it needs. The adapter says which wire protocol it speaks. */
export interface ProviderSpec {
  provider: string;
  display_name: string;
  kinds: ('chat' | 'image' | 'embedding')[];
  default_base_url: string | null;
  needs_api_key: boolean;
  adapter: 'openai-compatible' | 'anthropic' | 'ollama';
}

export const PROVIDERS: readonly ProviderSpec[] = [
  {
    provider: 'openai',
    display_name: 'OpenAI',
    kinds: ['chat', 'image', 'embedding'],
    default_base_url: 'https://api.openai.com/v1',
    needs_api_key: true,
    adapter: 'openai-compatible',
  },
  {
    provider: 'anthropic',
    display_name: 'Anthropic',
    kinds: ['chat'],
    default_base_url: 'https://api.anthropic.com/v1',
    needs_api_key: true,
    adapter: 'anthropic',
  },
  {
    provider: 'groq',
    display_name: 'Groq',
    kinds: ['chat'],
    default_base_url: 'https://api.groq.com/openai/v1',
    needs_api_key: true,
    adapter: 'openai-compatible',
  },
  {
    provider: 'openrouter',
    display_name: 'OpenRouter',
    kinds: ['chat', 'embedding'],
    default_base_url: 'https://openrouter.ai/api/v1',
    needs_api_key: true,
    adapter: 'openai-compatible',
  },
  {
    provider: 'imagerouter',
    display_name: 'ImageRouter',
    kinds: ['image'],
    default_base_url: 'https://api.imagerouter.io/v1/openai',
    needs_api_key: true,
    adapter: 'openai-compatible',
  },
  {
    provider: 'ollama',
    display_name: 'Ollama',
    kinds: ['chat', 'embedding'],
    default_base_url: 'http://127.0.0.1:11434',
    needs_api_key: false,
    adapter: 'ollama',
  },
  {
    provider: 'openai-compatible',
    display_name: 'OpenAI-compatible server',
    kinds: ['chat', 'embedding'],
    default_base_url: null,
    needs_api_key: false,
    adapter: 'openai-compatible',
  },
];

const byName = new Map(PROVIDERS.map((p) => [p.provider, p]));

export const providerSpec = (provider: string): ProviderSpec | undefined => byName.get(provider);
export const PROVIDER_NAMES = PROVIDERS.map((p) => p.provider);

/**
 * Normalises a user-supplied base URL for a provider: trailing slashes go, and Groq accepts a bare
 * domain ("api.groq.com") and adds its `/openai/v1` prefix itself.
 */
export function normalizeBaseUrl(provider: string, baseUrl: string): string {
  let url = baseUrl.trim();
  if (!/^https?:\/\//i.test(url)) url = `https://${url}`;
  url = url.replace(/\/+$/, '');
  if (provider === 'groq' && !/\/openai\/v1$/.test(url)) {
    const u = new URL(url);
    if (u.pathname === '/' || u.pathname === '') url = `${u.origin}/openai/v1`;
  }
  return url;
}
