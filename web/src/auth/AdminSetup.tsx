/**
 * The first screen of a fresh install (no account yet): create the admin account. The first account to
 * register runs the server and needs no invite; there is nothing to sign in to before it exists.
 */
import { type FormEvent, useState } from 'react';
import { register } from '../api/users';
import { Button, ErrorNote } from '../ui/ui';
import { useAuth } from './auth';
import { AuthShell, EmailField, FullNameField, PasswordField } from './fields';
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
    <AuthShell
      header={
        <>
          <h1 className="text-2xl font-semibold">Create the admin account</h1>
          <p className="mt-1 text-sm text-zinc-500">
            This PocketLLM server has no account yet. The first one runs it: it can invite others and manage
            the server from Admin.
          </p>
        </>
      }
    >
      <form onSubmit={submit} className="space-y-4">
        <EmailField value={email} onChange={setEmail} />
        <PasswordField
          value={password}
          onChange={setPassword}
          autoComplete="new-password"
          hint={hint}
          showRule
        />
        <FullNameField value={fullName} onChange={setFullName} />
        {error !== null && <ErrorNote error={error} />}
        <Button type="submit" className="w-full" disabled={busy}>
          {busy ? 'Please wait…' : 'Create admin account'}
        </Button>
      </form>
    </AuthShell>
  );
}
