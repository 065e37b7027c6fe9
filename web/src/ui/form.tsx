/** Form pieces the settings pages share: a form that runs a mutation, a labelled text input, Save / Cancel. */
import type { ComponentProps, FormEvent, ReactNode } from 'react';
import { Button, ErrorNote, Field, inputClass } from './ui';

/** What these pieces need of a react-query mutation. */
interface Saving {
  mutate: () => void;
  isPending: boolean;
  isError: boolean;
  error: unknown;
}

/** A `<form>` whose submit runs `save` instead of navigating. */
export function MutationForm({
  save,
  children,
  ...props
}: Omit<ComponentProps<'form'>, 'onSubmit'> & { save: Pick<Saving, 'mutate'>; children: ReactNode }) {
  return (
    <form
      {...props}
      onSubmit={(e: FormEvent) => {
        e.preventDefault();
        save.mutate();
      }}
    >
      {children}
    </form>
  );
}

/** A labelled `<input>` (text unless `type` says) holding `value`; `onValue` gets what is typed. */
export function TextField({
  label,
  hint,
  value,
  onValue,
  ...input
}: Omit<ComponentProps<'input'>, 'id' | 'value' | 'onChange' | 'className'> & {
  label: string;
  hint?: string;
  value: string;
  onValue: (value: string) => void;
}) {
  return (
    <Field label={label} hint={hint}>
      {(id) => (
        <input
          id={id}
          {...input}
          value={value}
          onChange={(e) => onValue(e.target.value)}
          className={inputClass}
        />
      )}
    </Field>
  );
}

/** The end of an edit form: the save's error, the submit button (`label`, "Saving…" meanwhile) and Cancel. */
export function SaveOrCancel({
  save,
  label = 'Save',
  onCancel,
}: {
  save: Saving;
  label?: string;
  onCancel: () => void;
}) {
  return (
    <>
      {save.isError && <ErrorNote error={save.error} />}
      <div className="flex gap-2">
        <Button type="submit" disabled={save.isPending}>
          {save.isPending ? 'Saving…' : label}
        </Button>
        <Button variant="secondary" onClick={onCancel}>
          Cancel
        </Button>
      </div>
    </>
  );
}
