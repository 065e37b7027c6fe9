/**
 * The files picked for the next message: each uploads through /v1/files as soon as it is added, with a
 * local preview for pictures; removing one drops it (and its preview). The message goes with the ids of the
 * uploaded ones; the server checks types and sizes when it is sent.
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import { errorMessage } from '../api/errors';
import { uploadFile } from '../api/files';
import type { Message } from '../api/types';

export type Attachment = Message['attachments'][number];

export interface PendingFile {
  key: string;
  name: string;
  size: number;
  /** A local object URL for pictures (shown before and while uploading). */
  preview: string | null;
  status: 'uploading' | 'ready' | 'failed';
  uploaded?: Attachment;
  error?: string;
}

/** What a send carries: the ids for the server, the stored shape for the bubble shown at once. */
export interface OutgoingAttachments {
  ids: string[];
  shown: Attachment[];
}

const isPicture = (f: File) => /^image\/(png|jpeg|webp|gif)$/.test(f.type);
let counter = 0;

export function useAttachments() {
  const [items, setItems] = useState<PendingFile[]>([]);
  const itemsRef = useRef(items);
  itemsRef.current = items;

  const patch = useCallback((key: string, p: Partial<PendingFile>) => {
    setItems((list) => list.map((i) => (i.key === key ? { ...i, ...p } : i)));
  }, []);

  const add = useCallback(
    (files: Iterable<File>) => {
      for (const file of files) {
        const key = `att-${++counter}`;
        const preview = isPicture(file) ? URL.createObjectURL(file) : null;
        setItems((list) => [
          ...list,
          { key, name: file.name || 'pasted', size: file.size, preview, status: 'uploading' },
        ]);
        uploadFile(file).then(
          (info) =>
            patch(key, {
              status: 'ready',
              uploaded: { id: info.id, name: info.name, content_type: info.content_type, size: info.size },
            }),
          (err: unknown) => patch(key, { status: 'failed', error: errorMessage(err) }),
        );
      }
    },
    [patch],
  );

  const remove = useCallback((key: string) => {
    const gone = itemsRef.current.find((i) => i.key === key);
    if (gone?.preview) URL.revokeObjectURL(gone.preview);
    setItems((list) => list.filter((i) => i.key !== key));
  }, []);

  const clear = useCallback(() => {
    for (const i of itemsRef.current) if (i.preview) URL.revokeObjectURL(i.preview);
    setItems([]);
  }, []);

  useEffect(
    () => () => {
      for (const i of itemsRef.current) if (i.preview) URL.revokeObjectURL(i.preview);
    },
    [],
  );

  const ready = items.filter((i) => i.status === 'ready' && i.uploaded);
  const outgoing: OutgoingAttachments = {
    ids: ready.map((i) => i.uploaded?.id ?? ''),
    shown: ready.flatMap((i) => (i.uploaded ? [i.uploaded] : [])),
  };
  return {
    items,
    add,
    remove,
    clear,
    uploading: items.some((i) => i.status === 'uploading'),
    outgoing,
  };
}

/** The files in a paste or drop (pictures pasted from the clipboard come as files too). */
export function filesOf(data: DataTransfer | null): File[] {
  if (!data) return [];
  const files = [...data.files];
  if (files.length) return files;
  return [...data.items].flatMap((i) => {
    const f = i.kind === 'file' ? i.getAsFile() : null;
    return f ? [f] : [];
  });
}
