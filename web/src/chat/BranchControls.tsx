/** A message's place in the chat's tree: "‹ 2 / 3 ›" between versions, edit (pencil) and regenerate. */
import { useState } from 'react';
import type { ModelChoice, ShownMessage } from '../api/types';
import { Icon } from '../ui/icons';
import { ModelPicker } from './ModelPicker';

const iconBtn =
  'rounded-md p-1.5 hover:bg-zinc-200 hover:text-zinc-900 disabled:opacity-40 dark:hover:bg-zinc-800 dark:hover:text-zinc-100';

/** "‹ 2 / 3 ›" on a message with siblings; `onSwitch` gets the sibling to show. */
export function BranchSwitcher({
  message,
  disabled,
  onSwitch,
}: {
  message: ShownMessage;
  disabled?: boolean;
  onSwitch: (id: string) => void;
}) {
  const ids = message.sibling_ids ?? [];
  const i = message.sibling_index ?? ids.indexOf(message.id);
  if (ids.length < 2 || i < 0) return null;
  const go = (to: number) => {
    const id = ids[to];
    if (id) onSwitch(id);
  };
  return (
    <span className="inline-flex items-center">
      <button
        type="button"
        className={iconBtn}
        aria-label="Previous version"
        disabled={disabled || i === 0}
        onClick={() => go(i - 1)}
      >
        ‹
      </button>
      <span className="tabular-nums" aria-live="polite">
        {i + 1} / {ids.length}
      </span>
      <button
        type="button"
        className={iconBtn}
        aria-label="Next version"
        disabled={disabled || i === ids.length - 1}
        onClick={() => go(i + 1)}
      >
        ›
      </button>
    </span>
  );
}

export function EditButton({ disabled, onEdit }: { disabled?: boolean; onEdit: () => void }) {
  return (
    <button type="button" className={iconBtn} aria-label="Edit message" disabled={disabled} onClick={onEdit}>
      <Icon name="pencil" />
    </button>
  );
}

/** Regenerate with the same model, or open a picker to regenerate with another one. */
export function RegenerateMenu({
  disabled,
  initial,
  onRegenerate,
}: {
  disabled?: boolean;
  initial: ModelChoice | null;
  onRegenerate: (choice: ModelChoice | null) => void;
}) {
  const [open, setOpen] = useState(false);
  const [choice, setChoice] = useState<ModelChoice | null>(initial);
  return (
    <span className="inline-flex flex-wrap items-center gap-1">
      <button
        type="button"
        className={iconBtn}
        aria-label="Regenerate"
        title="Regenerate"
        disabled={disabled}
        onClick={() => onRegenerate(null)}
      >
        <Icon name="regenerate" />
      </button>
      <button
        type="button"
        className={`${iconBtn} text-xs`}
        aria-label="Regenerate with another model"
        aria-expanded={open}
        disabled={disabled}
        onClick={() => setOpen((o) => !o)}
      >
        ▾
      </button>
      {open && (
        <span className="flex items-center gap-1">
          <ModelPicker value={choice} onChange={setChoice} />
          <button
            type="button"
            className="rounded-md bg-indigo-600 px-2 py-1 text-xs font-medium text-white hover:bg-indigo-500"
            disabled={disabled}
            onClick={() => {
              setOpen(false);
              onRegenerate(choice);
            }}
          >
            Regenerate
          </button>
        </span>
      )}
    </span>
  );
}
