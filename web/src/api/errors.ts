/**
 * The one place that turns an error into what a person reads: a plain sentence and, where there is one, the
 * way forward (a page to open). Every error the portal shows goes through `plainError`, so API wording such
 * as "send `provider` and `model`" never reaches the screen.
 */
import { ApiError, isRecord } from './client';

export type PlainError = {
  text: string;
  /** A page that fixes it, shown as a button. */
  action?: { label: string; to: string };
};

const PROVIDERS = { label: 'Open Settings → Providers', to: '/settings/providers' };

/** Seconds from "…try again in 12 s" (the rate-limit message), if present. */
function seconds(message: string): string {
  const m = /(\d+)\s*s\b/.exec(message);
  return m ? ` in ${m[1]} seconds` : ' in a moment';
}

/** The server's sentence without API markup: no backticks, no leading "field:". */
function tidy(message: string): string {
  const s = message.replace(/`/g, '').replace(/^[a-z_.[\]0-9]+:\s*/i, '');
  const sentence = s.charAt(0).toUpperCase() + s.slice(1);
  return /[.!?]$/.test(sentence) ? sentence : `${sentence}.`;
}

export function plainFor(code: string, message: string, requestId?: string | null): PlainError {
  switch (code) {
    case 'no_model_configured':
      return { text: 'Add a provider key to start chatting — it takes a minute.', action: PROVIDERS };
    case 'provider_not_configured':
      return { text: 'That provider has no key saved yet. Add one to use it.', action: PROVIDERS };
    case 'unauthorized':
    case 'invalid_refresh_token':
      return { text: 'Your session has ended. Sign in again to carry on.' };
    case 'invalid_credentials':
      return { text: 'That email and password do not match. Check them and try again.' };
    case 'account_disabled':
      return { text: 'This account is disabled. Ask your administrator to enable it again.' };
    case 'invite_required':
      return { text: 'You need an invite code to join. Ask an administrator for one.' };
    case 'invite_invalid':
      return { text: 'That invite code is not valid any more. Ask for a new one.' };
    case 'email_taken':
      return { text: 'There is already an account with this email. Sign in instead.' };
    case 'username_taken':
      return { text: 'That username is taken. Pick another one.' };
    case 'rate_limited':
      return { text: `That was a lot at once. Try again${seconds(message)}.` };
    case 'payload_too_large':
      return { text: 'That is too large to send. Try a smaller file or a shorter text.' };
    case 'unsupported_media_type':
      return { text: 'That file type is not supported. Use a PNG, JPEG or WebP image.' };
    case 'url_not_allowed':
      return { text: `That address cannot be used. ${tidy(message)}` };
    case 'not_found':
      return { text: 'This is not there any more — it may have been deleted.' };
    case 'forbidden':
      return { text: 'Your account is not allowed to do that.' };
    case 'provider_error':
      return {
        text: `The provider answered with an error: ${tidy(message)} Try again, or check its key.`,
        action: PROVIDERS,
      };
    case 'provider_timeout':
      return { text: 'The provider took too long to answer. Try again in a moment.' };
    case 'endpoint_unavailable':
      return {
        text: 'Your local model server is not answering. Check it is running, then try again.',
        action: { label: 'Open Local endpoints', to: '/settings/local-models' },
      };
    case 'interrupted':
      return { text: 'This answer stopped before it finished. Retry to get a full one.' };
    case 'not_ready':
      return { text: 'The server is still starting. Try again in a few seconds.' };
    case 'network':
      return { text: 'The server could not be reached. Check your connection and try again.' };
    case 'validation_error':
    case 'conflict':
      return { text: tidy(message) };
    default: {
      const ref = requestId ? ` (reference ${requestId})` : '';
      return {
        text: `Something went wrong on our side. Try again; if it keeps happening, tell your administrator${ref}.`,
      };
    }
  }
}

const BY_STATUS: Record<number, string> = {
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  413: 'payload_too_large',
  429: 'rate_limited',
  502: 'not_ready',
  503: 'not_ready',
  504: 'not_ready',
};

/** Any thrown value, an API error, or a stored `{code, message}` (a failed answer's metadata.error). */
export function plainError(err: unknown): PlainError {
  if (err instanceof ApiError) {
    // A proxy's error page has no code of ours: go by the status.
    const code = err.code.startsWith('http_') ? (BY_STATUS[err.status] ?? 'internal_error') : err.code;
    return plainFor(code, err.message, err.requestId);
  }
  // fetch rejects with a TypeError when the server cannot be reached at all.
  if (err instanceof TypeError) return plainFor('network', err.message);
  // An Error the portal made itself carries a sentence meant for the screen.
  if (err instanceof Error && err.message) return { text: err.message };
  if (isRecord(err) && typeof err.code === 'string')
    return plainFor(err.code, typeof err.message === 'string' ? err.message : '');
  return plainFor('internal_error', '');
}

/** Just the sentence, for places with room for one line. */
export function errorMessage(err: unknown): string {
  return plainError(err).text;
}
