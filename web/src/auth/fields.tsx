/** The pieces the sign-in page and the first-admin screen share: the centred page and its fields. */
import type { ReactNode } from 'react';
import { Field, inputClass } from '../ui/ui';

/** The centred page with the logo above `header` (the title and a line under it). */
export function AuthShell({ header, children }: { header: ReactNode; children: ReactNode }) {
  return (
    <main className="flex min-h-full items-center justify-center p-4">
      <div className="w-full max-w-sm">
        <div className="mb-6 text-center">
          <img src="/favicon.svg" alt="" className="mx-auto mb-3 size-12" />
          {header}
        </div>
        {children}
      </div>
    </main>
  );
}

type Text = { value: string; onChange: (value: string) => void };

export function EmailField({ value, onChange }: Text) {
  return (
    <Field label="Email">
      {(id) => (
        <input
          id={id}
          type="email"
          required
          autoComplete="email"
          value={value}
          onChange={(e) => onChange(e.target.value)}
          className={inputClass}
        />
      )}
    </Field>
  );
}

/** The password rule under a new-password field (see `passwordHint`), red once a send was refused by it. */
export function PasswordRule({ id, hint }: { id: string; hint: { text: string; bad: boolean } }) {
  return (
    <p
      id={id}
      className={`text-xs ${hint.bad ? 'font-medium text-red-600 dark:text-red-400' : 'text-zinc-500'}`}
    >
      {hint.text}
    </p>
  );
}

/** A password field; `showRule` puts the rule under it (a new password), `hint.bad` marks it invalid. */
export function PasswordField({
  value,
  onChange,
  autoComplete,
  hint,
  showRule,
}: Text & { autoComplete: string; hint: { text: string; bad: boolean }; showRule: boolean }) {
  return (
    <Field label="Password">
      {(id) => (
        <>
          <input
            id={id}
            type="password"
            required
            autoComplete={autoComplete}
            aria-invalid={hint.bad}
            aria-describedby={showRule ? `${id}-rule` : undefined}
            value={value}
            onChange={(e) => onChange(e.target.value)}
            className={inputClass}
          />
          {showRule && <PasswordRule id={`${id}-rule`} hint={hint} />}
        </>
      )}
    </Field>
  );
}

export function FullNameField({ value, onChange }: Text) {
  return (
    <Field label="Full name (optional)">
      {(id) => (
        <input
          id={id}
          autoComplete="name"
          value={value}
          onChange={(e) => onChange(e.target.value)}
          className={inputClass}
        />
      )}
    </Field>
  );
}
