/**
 * The one check of a base URL a user gives (provider credentials, model configurations, local endpoints, the
 * legacy import): every refusal is `url_not_allowed` (400) naming the field. Connections made later are
 * checked again on the address actually connected to (url-policy's guarded dispatcher).
 */
import { normalizeBaseUrl } from '../llm/catalog.js';
import { assertAllowedUrl, type UrlPolicyOptions, urlRefused } from './url-policy.js';

const SCHEME = /^([a-z][a-z0-9+.-]*):\/\//i;

export interface BaseUrlOptions extends UrlPolicyOptions {
  /** Catalogue provider whose conventions apply (Groq's bare domain gains `/openai/v1`); default none. */
  provider?: string;
}

/**
 * Normalises and checks a user-supplied base URL: http or https (a bare host means https), a host, no
 * credentials (they would be stored in clear and shown back), no query string or fragment (paths are appended
 * to it), and a host the URL policy allows. A name that does not resolve now is accepted (a home server that
 * is off): the connector refuses it later if it then resolves somewhere forbidden.
 * @returns the URL as serialised by WHATWG URL, without trailing slashes
 * @throws url_not_allowed naming `opts.field` (default `base_url`)
 */
export async function checkBaseUrl(raw: string, opts: BaseUrlOptions): Promise<string> {
  const field = opts.field ?? 'base_url';
  const scheme = SCHEME.exec(raw.trim())?.[1]?.toLowerCase();
  if (scheme && scheme !== 'http' && scheme !== 'https')
    throw urlRefused(field, 'must be an http or https URL');
  let url: URL;
  try {
    url = new URL(normalizeBaseUrl(opts.provider ?? '', raw));
  } catch {
    throw urlRefused(field, 'must be a valid http or https URL');
  }
  if (!url.hostname) throw urlRefused(field, 'must name a host');
  if (url.search || url.hash) throw urlRefused(field, 'must not contain a query string or fragment');
  const checked = await assertAllowedUrl(url.toString(), { allowUnresolved: true, ...opts, field });
  return checked.toString().replace(/\/+$/, '');
}
