/**
 * Two tabs signed in as the same user (issue 12): what one does appears in the other without a reload — the
 * new chat in the list, and an answer streaming live while the first tab sends it — through GET /v1/events.
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
  const errors: string[] = [];
  const watch = (page: Page) => page.on('pageerror', (e) => errors.push(String(e)));

  beforeAll(async () => {
    fake = await startFakeOpenAI({
      models: ['gpt-4o-mini'],
      reply: STORY,
      chunks: 30,
      behavior: { kind: 'slow', delayMs: 120 },
    });
    ({ server, browser } = await startPortal({}, engine));
    await registerUser(
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
});
