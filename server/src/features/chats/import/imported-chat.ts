import { cleanProviderText } from '../../../lib/text.js';

/** One message of an imported conversation; `parentKey` names another message of the same conversation. */
export interface ImportedMessage {
  key: string;
  parentKey: string | null;
  role: 'system' | 'user' | 'assistant';
  content: string;
  status: 'completed' | 'failed' | 'aborted';
  createdAt: Date;
  model: string | null;
  provider: string | null;
}

/** A conversation ready to store: messages parents-first, the leaf the chat shows, and its import key. */
export interface ImportedChat {
  sourceId: string;
  title: string | null;
  createdAt: Date;
  updatedAt: Date;
  messages: ImportedMessage[];
  leafKey: string | null;
}

/** Text from a file PostgreSQL can store: NUL dropped, lone surrogates replaced (as for provider text). */
export const storable = (s: string): string => cleanProviderText(s);

/** A title as a chat keeps it: trimmed, at most 200 characters, null when empty. */
export function titleOf(raw: unknown): string | null {
  if (typeof raw !== 'string') return null;
  const t = storable(raw).trim().slice(0, 200);
  return t === '' ? null : t;
}

/** A date from seconds since the epoch (ChatGPT) or an ISO string (PocketLLM); `fallback` when absent or bad. */
export function dateOf(raw: unknown, fallback: Date): Date {
  const d =
    typeof raw === 'number' ? new Date(raw * 1000) : typeof raw === 'string' ? new Date(raw) : fallback;
  return Number.isNaN(d.getTime()) ? fallback : d;
}

/**
 * Orders messages parents-first (children of one parent by time) and keeps every child no older than its
 * parent, so reading a branch by time gives the same order as by its links. Messages whose chain of parents
 * does not reach a root (a cycle) are left out.
 */
export function parentsFirst(list: ImportedMessage[]): ImportedMessage[] {
  const byParent = new Map<string | null, ImportedMessage[]>();
  const keys = new Set(list.map((m) => m.key));
  for (const m of list) {
    const parent = m.parentKey !== null && keys.has(m.parentKey) ? m.parentKey : null;
    m.parentKey = parent;
    const siblings = byParent.get(parent);
    if (siblings) siblings.push(m);
    else byParent.set(parent, [m]);
  }
  for (const siblings of byParent.values())
    siblings.sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime());
  const ordered: ImportedMessage[] = [];
  const queue: ImportedMessage[] = [...(byParent.get(null) ?? [])];
  for (let i = 0; i < queue.length; i++) {
    const m = queue[i] as ImportedMessage;
    ordered.push(m);
    for (const child of byParent.get(m.key) ?? []) {
      if (child.createdAt < m.createdAt) child.createdAt = m.createdAt;
      queue.push(child);
    }
  }
  return ordered;
}

/** The leaf to show: `wanted` when it was imported, else the newest message. */
export function leafOf(ordered: ImportedMessage[], wanted: string | null): string | null {
  if (wanted !== null && ordered.some((m) => m.key === wanted)) return wanted;
  let newest: ImportedMessage | undefined;
  for (const m of ordered) if (!newest || m.createdAt >= newest.createdAt) newest = m;
  return newest?.key ?? null;
}
