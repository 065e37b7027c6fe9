/** The sidebar's date groups: Today, Yesterday, Previous 7 days, then Older — by each chat's last activity. */
export type ChatGroup<T> = { label: string; chats: T[] };

const LABELS = ['Today', 'Yesterday', 'Previous 7 days', 'Older'] as const;

function startOfDay(d: Date): number {
  return new Date(d.getFullYear(), d.getMonth(), d.getDate()).getTime();
}

/** Keeps the list's order (newest activity first) inside each group; empty groups are left out. */
export function groupChats<T extends { updated_at: string }>(chats: T[], now = new Date()): ChatGroup<T>[] {
  const today = startOfDay(now);
  const day = 24 * 60 * 60 * 1000;
  const groups: T[][] = [[], [], [], []];
  for (const c of chats) {
    const t = new Date(c.updated_at).getTime();
    const i = t >= today ? 0 : t >= today - day ? 1 : t >= today - 7 * day ? 2 : 3;
    groups[i]?.push(c);
  }
  return groups.flatMap((g, i) => (g.length ? [{ label: LABELS[i] ?? 'Older', chats: g }] : []));
}

/** Chats whose title contains every word of `q`, case- and accent-insensitively. */
export function matchTitle(title: string | null, q: string): boolean {
  const fold = (s: string) => s.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase();
  const t = fold(title || 'New chat');
  return fold(q)
    .split(/\s+/)
    .filter(Boolean)
    .every((w) => t.includes(w));
}
