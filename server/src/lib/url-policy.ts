/**
 * Where user-supplied base URLs may point (ARCHITECTURE.md, "User-given URLs"). Cloud metadata, link-local, multicast and unspecified
 * addresses are always refused; private and loopback ones only when the deployment allows them
 * (`config.localModels.allowPrivateEndpoints`). The rule is applied to the address actually connected to
 * (the connector below resolves, checks and pins it, so DNS rebinding cannot slip between check and
 * connect) and to every redirect hop (safeFetch follows them itself).
 */
import { lookup as dnsLookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';
import { Agent, buildConnector, fetch, Headers, type RequestInit, type Response } from 'undici';
import { AppError } from '../errors.js';
import { embeddedIPv4 } from './ip-embedded.js';

export type AddressClass = 'metadata' | 'link-local' | 'reserved' | 'loopback' | 'private' | 'public';

export interface ResolvedAddress {
  address: string;
  family: number;
}
/** Resolves a hostname to every address it has (tests pass their own; the default is the OS resolver). */
export type LookupFn = (hostname: string) => Promise<ResolvedAddress[]>;

export interface UrlPolicyOptions {
  allowPrivate: boolean;
  lookup?: LookupFn;
  /** The request field named in the 400 (default `base_url`). */
  field?: string;
  /**
   * Accept a name that does not resolve now (a home server that is off, a VPN that is down). Safe because the
   * guarded connector checks the address again on every connection; refused addresses are still refused.
   */
  allowUnresolved?: boolean;
}

const systemLookup: LookupFn = (hostname) => dnsLookup(hostname, { all: true, verbatim: true });

function blockList(v4: string[], v6: string[]): BlockList {
  const list = new BlockList();
  for (const cidr of v4) {
    const [net, bits] = cidr.split('/');
    if (net) list.addSubnet(net, Number(bits ?? 32), 'ipv4');
  }
  for (const cidr of v6) {
    const [net, bits] = cidr.split('/');
    if (net) list.addSubnet(net, Number(bits ?? 128), 'ipv6');
  }
  return list;
}

// AWS/GCP/Azure/OpenStack 169.254.169.254, AWS ECS 169.254.170.2, Alibaba 100.100.100.200, AWS IPv6.
const METADATA = blockList(
  ['169.254.169.254/32', '169.254.170.2/32', '100.100.100.200/32'],
  ['fd00:ec2::254/128'],
);
const LINK_LOCAL = blockList(['169.254.0.0/16'], ['fe80::/10']);
// 0.0.0.0 reaches the host's own services on Linux; multicast and broadcast are never an HTTP server.
const RESERVED = blockList(['0.0.0.0/8', '224.0.0.0/4', '240.0.0.0/4'], ['::/128', 'ff00::/8']);
const LOOPBACK = blockList(['127.0.0.0/8'], ['::1/128']);
// RFC 1918, CGNAT (Tailscale and friends hand these out), IPv6 unique-local and the deprecated site-local.
const PRIVATE = blockList(
  ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '100.64.0.0/10'],
  ['fc00::/7', 'fec0::/10'],
);

const METADATA_HOSTS = new Set([
  'metadata.google.internal',
  'metadata.goog',
  'metadata',
  'instance-data',
  'instance-data.ec2.internal',
  'metadata.azure.internal',
]);

// Worst first: an address that leads to several hosts is judged by the worst of them.
const SEVERITY: AddressClass[] = ['metadata', 'link-local', 'reserved', 'loopback', 'private', 'public'];

function classifyPlain(addr: string): AddressClass {
  const family = isIP(addr) === 6 ? 'ipv6' : 'ipv4';
  if (isIP(addr) === 0) return 'reserved';
  if (METADATA.check(addr, family)) return 'metadata';
  if (LINK_LOCAL.check(addr, family)) return 'link-local';
  if (RESERVED.check(addr, family)) return 'reserved';
  if (LOOPBACK.check(addr, family)) return 'loopback';
  if (PRIVATE.check(addr, family)) return 'private';
  return 'public';
}

/**
 * What kind of address `ip` is. An IPv6 address that embeds IPv4 (mapped, compatible, NAT64, 6to4, Teredo)
 * is judged as the worst of itself and the IPv4 addresses it leads to.
 */
export function classifyAddress(ip: string): AddressClass {
  const bare = ip.replace(/^\[|\]$/g, '');
  const kinds = [bare, ...embeddedIPv4(bare)].map(classifyPlain);
  return SEVERITY.find((k) => kinds.includes(k)) ?? 'reserved';
}

/** Why `ip` may not be connected to, or null when it may. */
export function refusalFor(ip: string, allowPrivate: boolean): string | null {
  const kind = classifyAddress(ip);
  if (kind === 'metadata') return 'points to a cloud metadata address';
  if (kind === 'link-local') return 'points to a link-local address';
  if (kind === 'reserved') return 'points to a reserved address';
  if ((kind === 'private' || kind === 'loopback') && !allowPrivate) {
    return `points to a ${kind} network address, which this server does not allow (ALLOW_PRIVATE_ENDPOINTS)`;
  }
  return null;
}

/** Thrown by the connector; safeFetch turns it into the 400 naming the field. */
export class UrlPolicyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UrlPolicyError';
  }
}

/** The one error of a refused user-supplied URL: 400 `url_not_allowed` naming the field. */
export const urlRefused = (field: string, reason: string, cause?: unknown) =>
  new AppError('url_not_allowed', `${field}: ${reason}`, { details: { field }, cause });

/** Resolves `hostname` and returns one address that passes the policy; throws UrlPolicyError otherwise. */
async function resolveAllowed(
  hostname: string,
  allowPrivate: boolean,
  lookup: LookupFn,
): Promise<ResolvedAddress> {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (METADATA_HOSTS.has(host.replace(/\.$/, '')))
    throw new UrlPolicyError(`${host} is a cloud metadata host`);
  const family = isIP(host);
  const addresses = family ? [{ address: host, family }] : await lookup(host);
  if (addresses.length === 0) throw new UrlPolicyError(`${host} does not resolve`);
  // Every address must pass: a name with one good and one bad address could be steered to the bad one.
  for (const a of addresses) {
    const reason = refusalFor(a.address, allowPrivate);
    if (reason)
      throw new UrlPolicyError(
        family ? `${host} ${reason}` : `${host} resolves to ${a.address}, which ${reason}`,
      );
  }
  const first = addresses[0];
  if (!first) throw new UrlPolicyError(`${host} does not resolve`);
  return first;
}

/**
 * Checks a user-supplied URL: http/https only, no credentials, and a host whose every resolved address passes
 * the policy. Use it when a base URL is saved; connections made later are checked again by the connector.
 * @throws AppError url_not_allowed (400) naming `opts.field` (default `base_url`)
 */
export async function assertAllowedUrl(url: string, opts: UrlPolicyOptions): Promise<URL> {
  const field = opts.field ?? 'base_url';
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw urlRefused(field, 'must be a valid http or https URL');
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')
    throw urlRefused(field, 'must be an http or https URL');
  if (parsed.username || parsed.password)
    throw urlRefused(field, 'must not contain credentials; use api_key');
  try {
    await resolveAllowed(parsed.hostname, opts.allowPrivate, opts.lookup ?? systemLookup);
  } catch (err) {
    if (err instanceof UrlPolicyError) throw urlRefused(field, err.message, err);
    if (!opts.allowUnresolved) throw urlRefused(field, `cannot resolve ${parsed.hostname}`, err);
  }
  return parsed;
}

export interface GuardedDispatcherOptions {
  allowPrivate: boolean;
  lookup?: LookupFn;
  connectTimeoutMs?: number;
}

/**
 * An undici Agent whose connector resolves the host itself, refuses addresses the policy forbids and
 * connects to the checked address (TLS still verifies the original name). Pass it as `dispatcher` to fetch
 * for any call to a user-supplied URL.
 */
export function createGuardedDispatcher(opts: GuardedDispatcherOptions): Agent {
  const connector = buildConnector({ timeout: opts.connectTimeoutMs ?? 10_000 });
  const lookup = opts.lookup ?? systemLookup;
  return new Agent({
    connect(options, callback) {
      resolveAllowed(options.hostname, opts.allowPrivate, lookup).then(
        ({ address }) => {
          const servername = options.servername ?? (isIP(options.hostname) ? undefined : options.hostname);
          connector({ ...options, hostname: address, ...(servername ? { servername } : {}) }, callback);
        },
        (err: unknown) => callback(err instanceof Error ? err : new UrlPolicyError(String(err)), null),
      );
    },
  });
}

const shared = new Map<boolean, Agent>();
/** The process-wide guarded dispatcher for a policy (connections are pooled per policy). */
export function guardedDispatcher(allowPrivate: boolean): Agent {
  let agent = shared.get(allowPrivate);
  if (!agent) {
    agent = createGuardedDispatcher({ allowPrivate });
    shared.set(allowPrivate, agent);
  }
  return agent;
}

export interface SafeFetchOptions extends UrlPolicyOptions {
  maxRedirects?: number;
  /** Defaults to the shared guarded dispatcher (or one built with `lookup` when given). */
  dispatcher?: Agent;
}

/** The URL-policy refusal behind a fetch failure, if that is what it was (a refusal is final: never retry it). */
export function policyCause(err: unknown): UrlPolicyError | undefined {
  let e: unknown = err;
  for (let i = 0; i < 5 && e instanceof Error; i++) {
    if (e instanceof UrlPolicyError) return e;
    e = e.cause;
  }
  return undefined;
}

const REDIRECT = new Set([301, 302, 303, 307, 308]);

/**
 * fetch for user-supplied URLs: checks the URL, connects only to allowed addresses, and follows at most
 * `maxRedirects` (5) redirects itself, checking each hop; a hop to another origin loses the Authorization header.
 * @throws AppError url_not_allowed naming the field when a hop or resolved address is refused; otherwise
 * whatever fetch throws (network errors, aborts).
 */
export async function safeFetch(url: string, init: RequestInit, opts: SafeFetchOptions): Promise<Response> {
  const field = opts.field ?? 'base_url';
  const dispatcher =
    opts.dispatcher ??
    (opts.lookup
      ? createGuardedDispatcher({ allowPrivate: opts.allowPrivate, lookup: opts.lookup })
      : undefined) ??
    guardedDispatcher(opts.allowPrivate);
  const maxRedirects = opts.maxRedirects ?? 5;
  let current = await assertAllowedUrl(url, opts);
  let request: RequestInit = { ...init };
  for (let hop = 0; ; hop++) {
    let res: Response;
    try {
      res = await fetch(current, { ...request, redirect: 'manual', dispatcher });
    } catch (err) {
      const policy = policyCause(err);
      if (policy) throw urlRefused(field, policy.message, err);
      throw err;
    }
    const location = res.headers.get('location');
    if (!REDIRECT.has(res.status) || !location) return res;
    await res.body?.cancel();
    if (hop >= maxRedirects) throw urlRefused(field, `more than ${maxRedirects} redirects`);
    let next: URL;
    try {
      next = await assertAllowedUrl(new URL(location, current).toString(), opts);
    } catch (err) {
      if (err instanceof AppError)
        throw urlRefused(field, `redirects to a refused URL (${err.message.slice(field.length + 2)})`, err);
      throw err;
    }
    const method = (request.method ?? 'GET').toUpperCase();
    if (res.status === 303 || ((res.status === 301 || res.status === 302) && method === 'POST')) {
      request = { ...request, method: 'GET', body: null };
    }
    if (next.origin !== current.origin) {
      const headers = new Headers(request.headers);
      headers.delete('authorization');
      request = { ...request, headers };
    }
    current = next;
  }
}
