/** The files sent with a message: thumbnails for pictures (fetched with the session), chips for documents. */
import { useFilePreview } from '../api/files';
import { PaperclipIcon, sizeLabel } from './AttachmentTray';
import type { Attachment } from './useAttachments';

const isPicture = (a: Attachment) => /^image\/(png|jpeg|webp|gif)$/.test(a.content_type);

function Thumbnail({ a, local }: { a: Attachment; local: boolean }) {
  const preview = useFilePreview(a.id, !local);
  return preview.data ? (
    <img src={preview.data} alt={a.name} title={a.name} className="h-24 max-w-48 rounded-lg object-cover" />
  ) : (
    <Chip a={a} />
  );
}

function Chip({ a }: { a: Attachment }) {
  return (
    <span
      title={a.name}
      className="inline-flex max-w-56 items-center gap-1 rounded-md bg-black/10 px-2 py-1 text-xs dark:bg-white/10"
    >
      <PaperclipIcon className="size-3.5 shrink-0" />
      <span className="truncate">{a.name}</span>
      <span className="shrink-0 opacity-75">{sizeLabel(a.size)}</span>
    </span>
  );
}

/** `local`: the message is not stored yet (its thumbnails are fetched once it is). */
export function AttachmentList({
  attachments,
  local = false,
}: {
  attachments: Attachment[];
  local?: boolean;
}) {
  if (!attachments.length) return null;
  return (
    <ul aria-label="Attached files" className="mb-1.5 flex flex-wrap gap-1.5">
      {attachments.map((a) => (
        <li key={a.id}>{isPicture(a) ? <Thumbnail a={a} local={local} /> : <Chip a={a} />}</li>
      ))}
    </ul>
  );
}
