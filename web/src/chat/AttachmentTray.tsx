/** The composer's attach button, and the previews of the files picked for the next message. */
import { useRef } from 'react';
import type { PendingFile } from './useAttachments';

export const ACCEPT =
  'image/png,image/jpeg,image/webp,image/gif,application/pdf,text/*,.md,.markdown,.csv,.json,.txt,.ts,.tsx,.js,.py,.go,.rs,.java,.c,.cpp,.h,.rb,.sh,.yaml,.yml,.toml,.sql,.html,.css';

export function PaperclipIcon({ className = 'size-5' }: { className?: string }) {
  return (
    <svg
      viewBox="0 0 24 24"
      fill="none"
      stroke="currentColor"
      strokeWidth="2"
      className={className}
      aria-hidden="true"
    >
      <path d="M21 12.5l-8.5 8.5a5 5 0 0 1-7-7L14 5.5a3.5 3.5 0 0 1 5 5L10.5 19a2 2 0 0 1-3-3L15 8.5" />
    </svg>
  );
}

export function AttachButton({
  onFiles,
  disabled,
}: {
  onFiles: (files: File[]) => void;
  disabled?: boolean;
}) {
  const input = useRef<HTMLInputElement>(null);
  return (
    <>
      <button
        type="button"
        aria-label="Attach files"
        title="Attach pictures or documents"
        disabled={disabled}
        onClick={() => input.current?.click()}
        className="h-11 shrink-0 rounded-xl border border-zinc-300 px-2.5 text-zinc-600 hover:bg-zinc-100 disabled:opacity-40 dark:border-zinc-700 dark:text-zinc-300 dark:hover:bg-zinc-800"
      >
        <PaperclipIcon />
      </button>
      <input
        ref={input}
        type="file"
        multiple
        accept={ACCEPT}
        className="hidden"
        data-testid="attach-input"
        onChange={(e) => {
          const files = [...(e.target.files ?? [])];
          e.target.value = '';
          if (files.length) onFiles(files);
        }}
      />
    </>
  );
}

export const sizeLabel = (n: number) =>
  n < 1024 ? `${n} B` : n < 1024 * 1024 ? `${Math.round(n / 1024)} KB` : `${(n / 1024 / 1024).toFixed(1)} MB`;

export function AttachmentPreviews({
  items,
  onRemove,
}: {
  items: PendingFile[];
  onRemove: (key: string) => void;
}) {
  if (!items.length) return null;
  return (
    <ul aria-label="Attachments" className="flex flex-wrap gap-2">
      {items.map((i) => (
        <li
          key={i.key}
          className={`relative flex items-center gap-2 rounded-lg border px-2 py-1 text-sm ${
            i.status === 'failed'
              ? 'border-red-300 bg-red-50 text-red-800 dark:border-red-800 dark:bg-red-950 dark:text-red-200'
              : 'border-zinc-300 bg-zinc-50 dark:border-zinc-700 dark:bg-zinc-900'
          }`}
        >
          {i.preview ? (
            <img src={i.preview} alt={i.name} className="size-12 rounded object-cover" />
          ) : (
            <PaperclipIcon className="size-4 shrink-0 text-zinc-500" />
          )}
          <span className="max-w-40 truncate" title={i.name}>
            {i.name}
          </span>
          <span className="text-xs text-zinc-500">
            {i.status === 'uploading'
              ? 'Uploading…'
              : i.status === 'failed'
                ? (i.error ?? 'Upload failed')
                : sizeLabel(i.size)}
          </span>
          <button
            type="button"
            aria-label={`Remove ${i.name}`}
            onClick={() => onRemove(i.key)}
            className="rounded p-0.5 text-zinc-500 hover:bg-zinc-200 hover:text-zinc-900 dark:hover:bg-zinc-800"
          >
            ×
          </button>
        </li>
      ))}
    </ul>
  );
}
