/**
 * Which models take pictures. A provider's own model metadata wins where it has any (OpenRouter's
 * `architecture.input_modalities`, Ollama's `capabilities` or CLIP projector family); otherwise this
 * maintained list of model-id patterns decides. Keep the list here, in one place.
 */
import { isObject } from './http.js';

export const VISION = 'vision';

/** Model ids known to take pictures, by provider family (checked against the lower-cased id). */
const VISION_MODELS: RegExp[] = [
  // OpenAI
  /^(openai\/)?(gpt-4o|chatgpt-4o|gpt-4\.1|gpt-4\.5|gpt-4-turbo|gpt-4-vision|gpt-5|o1(?!-mini)|o3(?!-mini)|o4)/,
  // Anthropic: every Claude 3 and later model
  /^(anthropic\/)?claude-(3|sonnet-4|opus-4|haiku-4|[a-z]+-4)/,
  // Google
  /gemini|gemma-?3/,
  // Open models (Groq, OpenRouter, Ollama, local servers)
  /llava|bakllava|moondream|minicpm-v|qwen2(\.5)?-?vl|qwen-vl|qwen2\.5vl|pixtral|llama-?3\.2-?(11|90)b-vision|llama3\.2-vision|llama-4-(scout|maverick)|llama4|granite3\.2-vision|mistral-small3\.[12]|vision/,
];

/** The maintained list's answer for a model id. */
export function listedCapabilities(modelId: string): string[] {
  const id = modelId.toLowerCase();
  return VISION_MODELS.some((re) => re.test(id)) ? [VISION] : [];
}

/** What an OpenAI-compatible `/models` entry says (OpenRouter's architecture, a server's `capabilities`). */
export function openAICapabilities(entry: Record<string, unknown>): string[] | undefined {
  const arch = entry.architecture;
  if (isObject(arch)) {
    const inputs = arch.input_modalities;
    if (Array.isArray(inputs)) return inputs.includes('image') ? [VISION] : [];
    if (typeof arch.modality === 'string')
      return arch.modality.split('->')[0]?.includes('image') ? [VISION] : [];
  }
  return fromCapabilityList(entry.capabilities);
}

/** What an Ollama `/api/tags` entry says: `capabilities`, or a CLIP/mllama projector among its families. */
export function ollamaCapabilities(
  entry: Record<string, unknown>,
  families: unknown[],
): string[] | undefined {
  const listed = fromCapabilityList(entry.capabilities);
  if (listed) return listed;
  if (families.some((f) => f === 'clip' || f === 'mllama')) return [VISION];
  return undefined;
}

function fromCapabilityList(v: unknown): string[] | undefined {
  if (Array.isArray(v)) return v.includes('vision') ? [VISION] : [];
  if (isObject(v)) return v.vision === true ? [VISION] : [];
  return undefined;
}

/** A model's capabilities: the provider's metadata when it has it, else the maintained list. */
export const capabilitiesOf = (modelId: string, fromMetadata: string[] | undefined): string[] =>
  fromMetadata ?? listedCapabilities(modelId);
