import { invalidField } from '../../errors.js';
import { assertAllowedUrl } from '../../lib/url-policy.js';
import { normalizeBaseUrl } from '../../llm/catalog.js';

const SCHEME = /^([a-z][a-z0-9+.-]*):\/\//i;

/**
 * Validates and normalises a user-supplied base URL (Groq's bare domain gains `/openai/v1`). Only http and
 * https are allowed, no credentials in the URL (they would be stored in clear and shown back), and the host
 * must pass the URL policy (never cloud metadata; private addresses only when the deployment allows them).
 * @throws validation_error or url_not_allowed naming `field`
 */
export async function validateBaseUrl(
  provider: string,
  raw: string,
  allowPrivate: boolean,
  field = 'base_url',
): Promise<string> {
  const scheme = SCHEME.exec(raw.trim())?.[1]?.toLowerCase();
  if (scheme && scheme !== 'http' && scheme !== 'https')
    throw invalidField(field, 'must be an http or https URL');
  let url: URL;
  let normalized: string;
  try {
    normalized = normalizeBaseUrl(provider, raw);
    url = new URL(normalized);
  } catch {
    throw invalidField(field, 'must be a valid http or https URL');
  }
  if (!url.hostname) throw invalidField(field, 'must name a host');
  if (url.username || url.password) throw invalidField(field, 'must not contain credentials; use api_key');
  if (url.search || url.hash) throw invalidField(field, 'must not contain a query string or fragment');
  await assertAllowedUrl(normalized, { allowPrivate, field });
  return normalized;
}
