/** Routes for a component test that starts signed in to a multi-user server (a stored refresh token). */
import { json, user } from './fake-api';

export function signedInMultiUser(over: Record<string, unknown> = {}) {
  const meta = document.createElement('meta');
  meta.name = 'pocketllm-auth-mode';
  meta.content = 'multi-user';
  document.head.append(meta);
  localStorage.setItem('pocketllm.refresh_token', 'r');
  const me = user(over);
  return {
    'POST /auth/refresh': () =>
      json({ user: me, access_token: 'a', refresh_token: 'r2', token_type: 'Bearer', expires_in: 900 }),
    'GET /auth/me': () => json(me),
    'GET /chats': () => json({ chats: [], next_cursor: null }),
    'GET /model-configs': () => json({ model_configs: [] }),
    'GET /local-models': () => json({ local_models: [] }),
    'GET /models': () =>
      json({ models: [], message: '', configured_providers: [], missing_providers: [], errors: [] }),
  };
}

export function cleanUpSignedIn() {
  for (const m of document.head.querySelectorAll('meta[name^="pocketllm-"]')) m.remove();
  localStorage.clear();
  history.replaceState(null, '', '/');
}
