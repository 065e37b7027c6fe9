/**
 * Sign in and register (with an invite code) on one page; errors from the API shown next to the form. A
 * server with no account yet shows "Create the admin account" instead.
 */
import { type FormEvent, useState } from 'react';
import { login, register, useSetup } from '../api/users';
import { Button, ErrorNote, Field, inputClass, Spinner } from '../ui/ui';
import { AdminSetup } from './AdminSetup';
import { useAuth } from './auth';
import { AuthShell, EmailField, FullNameField, PasswordField } from './fields';
import { MIN_PASSWORD, passwordHint } from './password-rule';

/** Whether sign-up asks for an invite: the server says so in the page; unknown (vite dev) means ask. */
export function invitesRequired(): boolean {
  return (
    document.querySelector('meta[name="pocketllm-invite-required"]')?.getAttribute('content') !== 'false'
  );
}

export function AuthPage({ expired = false }: { expired?: boolean }) {
  const { signIn } = useAuth();
  const setup = useSetup();
  const [mode, setMode] = useState<'login' | 'register'>(() =>
    new URLSearchParams(location.search).has('invite') ? 'register' : 'login',
  );
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [fullName, setFullName] = useState('');
  const [invite, setInvite] = useState(() => new URLSearchParams(location.search).get('invite') ?? '');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [tried, setTried] = useState(false);
  const askInvite = invitesRequired() || invite !== '';
  const tooShort = mode === 'register' && password.length < MIN_PASSWORD;

  async function submit(e: FormEvent) {
    e.preventDefault();
    // The rule is shown next to the field (no browser bubble over the hint).
    setTried(true);
    if (tooShort) return;
    setBusy(true);
    setError(null);
    try {
      signIn(
        mode === 'login'
          ? await login({ email, password })
          : await register({
              email,
              password,
              ...(fullName.trim() ? { full_name: fullName.trim() } : {}),
              ...(invite.trim() ? { invite_code: invite.trim() } : {}),
            }),
      );
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  if (setup.isPending)
    return (
      <main className="flex min-h-full items-center justify-center p-4">
        <Spinner />
      </main>
    );
  if (setup.data?.needs_admin) return <AdminSetup />;
  return (
    <AuthShell
      header={
        <>
          <h1 className="text-2xl font-semibold">PocketLLM</h1>
          <p className="text-sm text-zinc-500">Chat with your language models</p>
        </>
      }
    >
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
              setTried(false);
            }}
            className={`rounded-md py-1.5 text-sm font-medium ${mode === m ? 'bg-white shadow dark:bg-zinc-800' : 'text-zinc-500'}`}
          >
            {m === 'login' ? 'Sign in' : 'Create account'}
          </button>
        ))}
      </div>
      <form onSubmit={submit} className="space-y-4">
        <EmailField value={email} onChange={setEmail} />
        <PasswordField
          value={password}
          onChange={setPassword}
          autoComplete={mode === 'login' ? 'current-password' : 'new-password'}
          hint={passwordHint(password, tried && mode === 'register')}
          showRule={mode === 'register'}
        />
        {mode === 'register' && (
          <>
            <FullNameField value={fullName} onChange={setFullName} />
            {askInvite && (
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
            )}
          </>
        )}
        {error !== null && <ErrorNote error={error} />}
        <Button type="submit" className="w-full" disabled={busy}>
          {busy ? 'Please wait…' : mode === 'login' ? 'Sign in' : 'Create account'}
        </Button>
      </form>
    </AuthShell>
  );
}
