/**
 * Every call of the portal goes through here: it adds the bearer token, refreshes it once on a 401 and
 * retries, and turns the API's error envelope into an ApiError. The access token lives in memory only;
 * the refresh token in localStorage, so a reload signs back in silently.
 */
import type { AuthTokens } from './types';

export const API_BASE = '/api/v1';
const REFRESH_KEY = 'pocketllm.refresh_token';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: unknown = null,
    readonly requestId: string | null = null,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

let accessToken: string | null = null;
let refreshing: Promise<boolean> | null = null;
const authListeners = new Set<(signedIn: boolean) => void>();

export function getRefreshToken(): string | null {
  try {
    return localStorage.getItem(REFRESH_KEY);
  } catch {
    return null;
  }
}

export function setTokens(tokens: Pick<AuthTokens, 'access_token' | 'refresh_token'> | null): void {
  accessToken = tokens?.access_token ?? null;
  try {
    if (tokens) localStorage.setItem(REFRESH_KEY, tokens.refresh_token);
    else localStorage.removeItem(REFRESH_KEY);
  } catch {
    // Private mode without storage: the session then lasts as long as the tab.
  }
}

export function hasAccessToken(): boolean {
  return accessToken !== null;
}

/** Told when a session is lost (refresh failed) so the app can show sign-in without losing the page. */
export function onAuthChange(fn: (signedIn: boolean) => void): () => void {
  authListeners.add(fn);
  return () => authListeners.delete(fn);
}

/** Exchanges the stored refresh token for a new pair; concurrent callers share one request. */
export function refreshSession(): Promise<boolean> {
  const token = getRefreshToken();
  if (!token) return Promise.resolve(false);
  refreshing ??= (async () => {
    try {
      const res = await fetch(`${API_BASE}/auth/refresh`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ refresh_token: token }),
      });
      if (!res.ok) {
        // Only a definite refusal ends the session; a network error keeps the token for the next try.
        if (res.status === 401 || res.status === 400) setTokens(null);
        return false;
      }
      const body: AuthTokens = await res.json();
      setTokens(body);
      return true;
    } catch {
      return false;
    } finally {
      refreshing = null;
    }
  })();
  return refreshing;
}

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

async function errorFrom(res: Response): Promise<ApiError> {
  let code = `http_${res.status}`;
  let message = res.statusText || `Request failed (${res.status})`;
  let details: unknown = null;
  let requestId = res.headers.get('x-request-id');
  try {
    const body: unknown = await res.json();
    const e = isRecord(body) && isRecord(body.error) ? body.error : null;
    if (e) {
      if (typeof e.code === 'string') code = e.code;
      if (typeof e.message === 'string') message = e.message;
      details = e.details ?? null;
      if (typeof e.request_id === 'string') requestId = e.request_id;
    }
  } catch {
    // Not JSON (a proxy's error page): keep the status text.
  }
  return new ApiError(res.status, code, message, details, requestId);
}

export type RequestOptions = Omit<RequestInit, 'body'> & { body?: unknown; json?: boolean };

/** fetch with auth; returns the Response (streams use this). Throws ApiError on a non-2xx answer. */
export async function apiFetch(path: string, opts: RequestOptions = {}): Promise<Response> {
  const send = () => {
    const headers = new Headers(opts.headers);
    if (accessToken) headers.set('authorization', `Bearer ${accessToken}`);
    let body: BodyInit | undefined;
    // FormData and files go as they are (uploads, backup archives); anything else as JSON.
    if (opts.body instanceof FormData || opts.body instanceof Blob) body = opts.body;
    else if (opts.body !== undefined) {
      headers.set('content-type', 'application/json');
      body = JSON.stringify(opts.body);
    }
    return fetch(`${API_BASE}${path}`, { ...opts, headers, body });
  };
  let res = await send();
  if (res.status === 401 && !path.startsWith('/auth/login') && !path.startsWith('/auth/register')) {
    const hadSession = accessToken !== null || getRefreshToken() !== null;
    if (await refreshSession()) res = await send();
    else if (hadSession) {
      accessToken = null;
      for (const fn of authListeners) fn(false);
    }
  }
  if (!res.ok) throw await errorFrom(res);
  return res;
}

/** A JSON call; 204 answers resolve to undefined. */
export async function api<T>(path: string, opts: RequestOptions = {}): Promise<T> {
  const res = await apiFetch(path, opts);
  if (res.status === 204) return undefined as T;
  return (await res.json()) as T;
}
