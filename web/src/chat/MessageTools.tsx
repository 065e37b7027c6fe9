/** The branch controls of one message: versions, and edit (a prompt) or regenerate (an answer). */
import type { ModelChoice, ShownMessage } from '../api/types';
import { BranchSwitcher, EditButton, RegenerateMenu } from './BranchControls';

export function MessageTools({
  message: m,
  busy,
  choice,
  onSwitch,
  onEdit,
  onRegenerate,
}: {
  message: ShownMessage;
  /** An answer is being written: nothing may branch until it ends. */
  busy: boolean;
  choice: ModelChoice | null;
  onSwitch: (id: string) => void;
  onEdit: () => void;
  onRegenerate: (choice: ModelChoice | null) => void;
}) {
  if (m.id.startsWith('local-') || m.status === 'streaming') return null;
  return (
    <span className="inline-flex items-center gap-1">
      <BranchSwitcher message={m} disabled={busy} onSwitch={onSwitch} />
      {m.role === 'user' && <EditButton disabled={busy} onEdit={onEdit} />}
      {m.role === 'assistant' && (
        <RegenerateMenu disabled={busy} initial={choice} onRegenerate={onRegenerate} />
      )}
    </span>
  );
}
