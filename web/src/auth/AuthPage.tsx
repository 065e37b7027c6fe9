/** Sign in and register (with an invite code) on one page; errors from the API shown next to the form. */
import { type FormEvent, useState } from 'react';
import { api } from '../api/client';
import type { AuthTokens } from '../api/types';
import { Button, ErrorNote, Field, inputClass } from '../ui/ui';
import { useAuth } from './auth';

export function AuthPage({ expired = false }: { expired?: boolean }) {
  const { signIn } = useAuth();
  const [mode, setMode] = useState<'login' | 'register'>(() =>
    new URLSearchParams(location.search).has('invite') ? 'register' : 'login',
  );
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [fullName, setFullName] = useState('');
  const [invite, setInvite] = useState(() => new URLSearchParams(location.search).get('invite') ?? '');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const body =
        mode === 'login'
          ? { email, password }
          : {
              email,
              password,
              ...(fullName.trim() ? { full_name: fullName.trim() } : {}),
              ...(invite.trim() ? { invite_code: invite.trim() } : {}),
            };
      signIn(await api<AuthTokens>(`/auth/${mode}`, { method: 'POST', body }));
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  return (
    <main className="flex min-h-full items-center justify-center p-4">
      <div className="w-full max-w-sm">
        <div className="mb-6 text-center">
          <img src="/favicon.svg" alt="" className="mx-auto mb-3 size-12" />
          <h1 className="text-2xl font-semibold">PocketLLM</h1>
          <p className="text-sm text-zinc-500">Chat with your language models</p>
        </div>
        {expired && (
          <p
            role="status"
            className="mb-4 rounded-lg bg-amber-50 p-3 text-sm text-amber-900 dark:bg-amber-950 dark:text-amber-100"
          >
            Your session expired. Sign in again — what you were typing is kept.
          </p>
        )}
        <div
          role="tablist"
          aria-label="Account"
          className="mb-4 grid grid-cols-2 rounded-lg bg-zinc-100 p-1 dark:bg-zinc-900"
        >
          {(['login', 'register'] as const).map((m) => (
            <button
              key={m}
              type="button"
              role="tab"
              aria-selected={mode === m}
              onClick={() => {
                setMode(m);
                setError(null);
              }}
              className={`rounded-md py-1.5 text-sm font-medium ${mode === m ? 'bg-white shadow dark:bg-zinc-800' : 'text-zinc-500'}`}
            >
              {m === 'login' ? 'Sign in' : 'Create account'}
            </button>
          ))}
        </div>
        <form onSubmit={submit} className="space-y-4">
          <Field label="Email">
            {(id) => (
              <input
                id={id}
                type="email"
                required
                autoComplete="email"
                value={email}
                onChange={(e) => setEmail(e.target.value)}
                className={inputClass}
              />
            )}
          </Field>
          <Field label="Password" hint={mode === 'register' ? 'At least 8 characters' : undefined}>
            {(id) => (
              <input
                id={id}
                type="password"
                required
                minLength={mode === 'register' ? 8 : 1}
                autoComplete={mode === 'login' ? 'current-password' : 'new-password'}
                value={password}
                onChange={(e) => setPassword(e.target.value)}
                className={inputClass}
              />
            )}
          </Field>
          {mode === 'register' && (
            <>
              <Field label="Full name (optional)">
                {(id) => (
                  <input
                    id={id}
                    autoComplete="name"
                    value={fullName}
                    onChange={(e) => setFullName(e.target.value)}
                    className={inputClass}
                  />
                )}
              </Field>
              <Field label="Invite code" hint="Needed unless you are the first user of this server">
                {(id) => (
                  <input
                    id={id}
                    value={invite}
                    onChange={(e) => setInvite(e.target.value)}
                    className={inputClass}
                  />
                )}
              </Field>
            </>
          )}
          {error !== null && <ErrorNote error={error} />}
          <Button type="submit" className="w-full" disabled={busy}>
            {busy ? 'Please wait…' : mode === 'login' ? 'Sign in' : 'Create account'}
          </Button>
        </form>
      </div>
    </main>
  );
}
