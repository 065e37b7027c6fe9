/**
 * Two tabs signed in as the same user (issue 12): what one does appears in the other without a reload — the
 * new chat in the list, and an answer streaming live while the first tab sends it — through GET /v1/events;
 * renames and deletions made elsewhere, and after a network drop the tab reconnects and catches up.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FakeServer } from '../../server/test/fakes/common.js';
import { startFakeOpenAI } from '../../server/test/fakes/openai.js';
import {
  closeAll,
  engines,
  hasChromium,
  type RunningServer,
  registerUser,
  shot,
  signIn,
  startPortal,
} from './harness.js';

const STORY = Array.from({ length: 30 }, (_, i) => `tale${i + 1}`).join(' ');
const EMAIL = 'grace@example.com';
const PASSWORD = 'correct horse battery staple';

describe.skipIf(!hasChromium).each(engines)('two tabs of one user (%s)', (engine) => {
  let fake: FakeServer;
  let server: RunningServer;
  let browser: Browser;
  let token = '';
  const errors: string[] = [];
  const watch = (page: Page) => page.on('pageerror', (e) => errors.push(String(e)));

  beforeAll(async () => {
    fake = await startFakeOpenAI({
      models: ['gpt-4o-mini'],
      reply: STORY,
      chunks: 30,
      behavior: { kind: 'slow', delayMs: 120 },
    });
    // Streams end every few seconds (as at their lifetime on a real deployment): the tab must resume each one.
    ({ server, browser } = await startPortal({ EVENTS_MAX_LIFETIME_S: '3' }, engine));
    token = await registerUser(
      server.url,
      { email: EMAIL, password: PASSWORD },
      { apiKey: 'sk-e2e-live-1234567', baseUrl: fake.url },
    );
  });
  afterAll(() => closeAll(browser, server, fake));

  it('a message sent in one tab streams live in the other', async () => {
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const first = await ctx.newPage();
    watch(first);
    await signIn(first, server.url, { email: EMAIL, password: PASSWORD });
    // The second tab signs in from the stored session, as a new tab does.
    const second = await ctx.newPage();
    watch(second);
    await second.goto(`${server.url}/chats`);
    await second.getByText('No chats yet').waitFor();

    await first.getByRole('combobox', { name: 'Model' }).waitFor();
    const box = first.getByRole('textbox', { name: 'Message' });
    await box.fill('Tell me a tale');
    await box.press('Enter');
    await first.waitForURL(/\/chats\/[0-9a-f-]+$/);
    const chatUrl = first.url();
    await first.getByText('tale30').waitFor({ timeout: 30_000 });

    // The new chat appears in the second tab's list by itself; open it there.
    const list = second.getByRole('navigation', { name: 'Chats' });
    await list.getByRole('link').first().waitFor({ timeout: 10_000 });
    await list.getByRole('link').first().click();
    await second.waitForURL(chatUrl);
    await second.getByText('tale30').waitFor();

    // A second message from the first tab: its answer grows in the second tab while it is written.
    await box.fill('And another');
    await box.press('Enter');
    const answers = second.getByRole('article', { name: 'Answer' });
    await expect.poll(() => answers.count(), { timeout: 10_000 }).toBe(2);
    const latest = answers.nth(1);
    await expect
      .poll(async () => (await latest.textContent()) ?? '', { timeout: 10_000 })
      .toContain('tale3 ');
    const partial = (await latest.textContent()) ?? '';
    await second.screenshot({ path: shot(`live-second-tab-streaming-${engine}`) });
    expect(partial).not.toContain('tale30');
    await expect.poll(async () => (await latest.textContent()) ?? '', { timeout: 30_000 }).toContain(STORY);
    expect(await answers.count()).toBe(2);
    expect(errors).toEqual([]);
    await ctx.close();
  });

  it('renames and deletions made elsewhere appear; after a network drop it reconnects and catches up', async () => {
    const api = async (method: string, route: string, body?: unknown) => {
      const res = await fetch(`${server.url}/api/v1${route}`, {
        method,
        headers: {
          authorization: `Bearer ${token}`,
          ...(body ? { 'content-type': 'application/json' } : {}),
        },
        body: body ? JSON.stringify(body) : undefined,
      });
      expect(res.status, `${method} ${route}`).toBeLessThan(300);
      return res.status === 204 ? { id: '' } : ((await res.json()) as { id: string });
    };
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await ctx.newPage();
    watch(page);
    // Every events connection the tab opens, with the Last-Event-ID it resumes from.
    const streams: (string | undefined)[] = [];
    let failed = 0;
    const isEvents = (url: string) => new URL(url).pathname === '/api/v1/events';
    page.on('request', (r) => {
      if (isEvents(r.url())) streams.push(r.headers()['last-event-id']);
    });
    page.on('requestfailed', (r) => {
      if (isEvents(r.url())) failed++;
    });
    let answered = 0;
    page.on('response', (r) => {
      if (new URL(r.url()).pathname === '/api/v1/events' && r.status() === 200) answered++;
    });
    await signIn(page, server.url, { email: EMAIL, password: PASSWORD });
    const list = page.getByRole('navigation', { name: 'Chats' });
    const link = (title: string) => list.getByRole('link', { name: new RegExp(title) });

    // Changes are heard from when the stream is open (its headers come once it listens); the first has no id
    // to resume from, so wait for it.
    await expect.poll(() => answered, { timeout: 20_000 }).toBeGreaterThan(0);
    const chat = await api('POST', '/chats', { title: 'Made elsewhere' });
    await link('Made elsewhere').waitFor({ timeout: 10_000 });
    await api('PATCH', `/chats/${chat.id}`, { title: 'Renamed elsewhere' });
    await link('Renamed elsewhere').waitFor({ timeout: 10_000 });

    // The network drops: once its stream ends, the tab cannot reconnect (the attempt fails) and misses what
    // happens meanwhile; back online it resumes from its last event and the server replays what it missed.
    await ctx.setOffline(true);
    await expect.poll(() => failed, { timeout: 20_000 }).toBeGreaterThan(0);
    const opened = streams.length;
    await api('PATCH', `/chats/${chat.id}`, { title: 'Renamed while offline' });
    await ctx.setOffline(false);
    await link('Renamed while offline').waitFor({ timeout: 30_000 });
    await expect.poll(() => streams.length, { timeout: 30_000 }).toBeGreaterThan(opened);
    // It resumed from the last event it had, so the server replayed what it missed.
    expect(streams.at(-1)).toMatch(/^\d+-\d+$/);

    await api('DELETE', `/chats/${chat.id}`);
    await expect.poll(() => link('Renamed while offline').count(), { timeout: 10_000 }).toBe(0);
    await page.screenshot({ path: shot(`live-renamed-deleted-${engine}`) });
    expect(errors).toEqual([]);
    await ctx.close();
  });
});
