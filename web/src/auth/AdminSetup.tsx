/**
 * The first screen of a fresh install (no account yet): create the admin account. The first account to
 * register runs the server and needs no invite; there is nothing to sign in to before it exists.
 */
import { type FormEvent, useState } from 'react';
import { register } from '../api/users';
import { Button, ErrorNote, Field, inputClass } from '../ui/ui';
import { useAuth } from './auth';
import { MIN_PASSWORD, passwordHint } from './password-rule';

export function AdminSetup() {
  const { signIn } = useAuth();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [fullName, setFullName] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [tried, setTried] = useState(false);
  const hint = passwordHint(password, tried);

  async function submit(e: FormEvent) {
    e.preventDefault();
    setTried(true);
    if (password.length < MIN_PASSWORD) return;
    setBusy(true);
    setError(null);
    try {
      signIn(await register({ email, password, ...(fullName.trim() ? { full_name: fullName.trim() } : {}) }));
    } catch (err) {
      setError(err);
      setBusy(false);
    }
  }

  return (
    <main className="flex min-h-full items-center justify-center p-4">
      <div className="w-full max-w-sm">
        <div className="mb-6 text-center">
          <img src="/favicon.svg" alt="" className="mx-auto mb-3 size-12" />
          <h1 className="text-2xl font-semibold">Create the admin account</h1>
          <p className="mt-1 text-sm text-zinc-500">
            This PocketLLM server has no account yet. The first one runs it: it can invite others and manage
            the server from Admin.
          </p>
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
          <Field label="Password">
            {(id) => (
              <>
                <input
                  id={id}
                  type="password"
                  required
                  autoComplete="new-password"
                  aria-invalid={hint.bad}
                  aria-describedby={`${id}-rule`}
                  value={password}
                  onChange={(e) => setPassword(e.target.value)}
                  className={inputClass}
                />
                <p
                  id={`${id}-rule`}
                  className={`text-xs ${hint.bad ? 'font-medium text-red-600 dark:text-red-400' : 'text-zinc-500'}`}
                >
                  {hint.text}
                </p>
              </>
            )}
          </Field>
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
          {error !== null && <ErrorNote error={error} />}
          <Button type="submit" className="w-full" disabled={busy}>
            {busy ? 'Please wait…' : 'Create admin account'}
          </Button>
        </form>
      </div>
    </main>
  );
}
