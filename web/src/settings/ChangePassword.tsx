/** Change password: the current one and the new one twice; the server's refusals in plain words. */
import { useMutation } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { changePassword } from '../api/users';
import { PasswordRule } from '../auth/fields';
import { passwordHint } from '../auth/password-rule';
import { Button, ErrorNote, Field, inputClass } from '../ui/ui';

export function ChangePassword() {
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [repeat, setRepeat] = useState('');
  const [tried, setTried] = useState(false);
  const [done, setDone] = useState(false);
  const hint = passwordHint(next, tried);
  const mismatch = tried && repeat !== next;
  const save = useMutation({
    mutationFn: () => changePassword({ current_password: current, new_password: next }),
    onSuccess: () => {
      setCurrent('');
      setNext('');
      setRepeat('');
      setTried(false);
      setDone(true);
    },
  });

  function submit(e: FormEvent) {
    e.preventDefault();
    setTried(true);
    setDone(false);
    if (hint.bad || next.length === 0 || repeat !== next) return;
    save.mutate();
  }

  const input = (
    id: string,
    value: string,
    set: (v: string) => void,
    autoComplete: string,
    invalid = false,
    describedBy?: string,
  ) => (
    <input
      id={id}
      type="password"
      required
      autoComplete={autoComplete}
      aria-invalid={invalid}
      aria-describedby={describedBy}
      value={value}
      onChange={(e) => {
        setDone(false);
        set(e.target.value);
      }}
      className={inputClass}
    />
  );

  return (
    <form onSubmit={submit} className="space-y-3" aria-labelledby="change-password-title">
      <h2 id="change-password-title" className="text-base font-semibold">
        Change password
      </h2>
      <Field label="Current password">{(id) => input(id, current, setCurrent, 'current-password')}</Field>
      <Field label="New password">
        {(id) => (
          <>
            {input(id, next, setNext, 'new-password', hint.bad, `${id}-rule`)}
            <PasswordRule id={`${id}-rule`} hint={hint} />
          </>
        )}
      </Field>
      <Field label="Repeat the new password">
        {(id) => (
          <>
            {input(id, repeat, setRepeat, 'new-password', mismatch, mismatch ? `${id}-match` : undefined)}
            {mismatch && (
              <p id={`${id}-match`} className="text-xs font-medium text-red-600 dark:text-red-400">
                The two new passwords are not the same.
              </p>
            )}
          </>
        )}
      </Field>
      {save.isError && <ErrorNote error={save.error} />}
      <div className="flex flex-wrap items-center gap-2">
        <Button type="submit" disabled={save.isPending}>
          {save.isPending ? 'Changing…' : 'Change password'}
        </Button>
        {done && (
          <span role="status" className="text-sm text-emerald-600">
            Password changed. Your other devices are signed out.
          </span>
        )}
      </div>
    </form>
  );
}
