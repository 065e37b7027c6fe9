/**
 * Every TanStack Query key of the portal, in one place: a component asks for `keys.chat(id)` instead of
 * spelling `['chat', id]`, so a list is cached under one key and every invalidation reaches it. Keys that
 * share a first element are invalidated together (`keys.admin.all` reaches every admin page).
 */
export const keys = {
  chats: () => ['chats'] as const,
  chat: (id: string) => ['chat', id] as const,
  pinned: () => ['pinned'] as const,
  /** `scope` is a chat id, or 'all' for the search over every chat; `limit` null is the server's page. */
  search: (scope: string, q: string, limit: number | null) => ['search', scope, q, limit] as const,
  models: () => ['models'] as const,
  providers: () => ['providers'] as const,
  modelConfigs: () => ['model-configs'] as const,
  localModels: () => ['local-models'] as const,
  localModelUsage: (id: string) => ['local-usage', id] as const,
  templates: () => ['templates'] as const,
  /** The public first-run signal (GET /auth/setup). */
  setup: () => ['setup'] as const,
  apiKeys: () => ['api-keys'] as const,
  job: (id: string) => ['job', id] as const,
  /** A stored file's bytes as an object URL (thumbnails of attachments). */
  file: (id: string) => ['file', id] as const,
  /** Whether a chat has a live share link. */
  share: (chatId: string) => ['share', chatId] as const,
  shared: (token: string) => ['shared', token] as const,
  imageJobs: () => ['jobs', 'images'] as const,
  admin: {
    all: ['admin'] as const,
    users: () => ['admin', 'users'] as const,
    invites: () => ['admin', 'invites'] as const,
    waitlist: () => ['admin', 'waitlist'] as const,
    metrics: () => ['admin', 'metrics'] as const,
    audit: (filter: string) => ['admin', 'audit', filter] as const,
    status: () => ['admin', 'status'] as const,
  },
};

/** The query string of one page of a cursor-paged list: `base` plus the cursor when there is one. */
export function paged(base: string, cursor: string): string {
  return cursor ? `${base}&cursor=${encodeURIComponent(cursor)}` : base;
}
