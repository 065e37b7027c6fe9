/**
 * The first minutes of a newcomer (issue 17), in Chromium against the real server and a fake OpenAI: type at
 * once after "New chat", type-and-Enter fast and often, double-click "New chat", send with no provider, and
 * follow an answer on a phone. Screenshots go to /tmp/portal-shots/ (and web/e2e/artifacts/).
 */
import { copyFileSync, mkdirSync } from 'node:fs';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FakeServer } from '../../server/test/fakes/common.js';
import { startFakeOpenAI } from '../../server/test/fakes/openai.js';
import {
  apiCall,
  closeAll,
  engines,
  hasChromium,
  openSignedIn,
  type RunningServer,
  registerUser,
  shot,
  startPortal,
} from './harness.js';

const SHOTS = '/tmp/portal-shots';
const EMAIL = 'newcomer@example.com';
const PASSWORD = 'correct horse battery staple';
const SHORT = 'Short answer.';
const LONG = Array.from({ length: 60 }, (_, i) => `Line ${i + 1} of a long answer.`).join('\n\n');

describe.skipIf(!hasChromium).each(engines)('a newcomer in the portal (%s)', (engine) => {
  let fake: FakeServer;
  let server: RunningServer;
  let browser: Browser;
  let token = '';
  let reply = SHORT;

  const snap = async (page: Page, name: string) => {
    await page.screenshot({ path: shot(name) });
    mkdirSync(SHOTS, { recursive: true });
    copyFileSync(shot(name), `${SHOTS}/${name}.png`);
  };
  const call = <T>(path: string, body?: unknown): Promise<T> => apiCall<T>(server.url, path, body, token);
  const chats = () =>
    call<{ chats: { id: string; title: string | null; message_count: number }[] }>('/chats');

  const open = (opts: Parameters<Browser['newContext']>[0] = {}): Promise<[BrowserContext, Page]> =>
    openSignedIn(browser, server.url, { email: EMAIL, password: PASSWORD }, opts);
  const withProvider = () =>
    call('/providers/activate', { provider: 'openai', api_key: 'sk-e2e-newcomer-1234', base_url: fake.url });
  const newChat = async (page: Page) => {
    const menu = page.getByRole('button', { name: 'Open menu' });
    if (await menu.isVisible()) await menu.click();
    await page.getByRole('button', { name: 'New chat', exact: true }).click();
  };

  beforeAll(async () => {
    fake = await startFakeOpenAI({ models: ['gpt-4o-mini'], reply: () => reply, chunks: 30 });
    ({ server, browser } = await startPortal({}, engine));
    token = await registerUser(server.url, { email: EMAIL, password: PASSWORD });
  });
  afterAll(() => closeAll(browser, server, fake));

  it('with no provider: says so plainly, keeps the text, makes no chat, and leads to Settings → Providers', async () => {
    const [ctx, page] = await open();
    await page.getByRole('link', { name: 'add a provider key in Settings → Providers' }).waitFor();
    await newChat(page);
    await page.keyboard.type('Hello there');
    await page.keyboard.press('Enter');
    const alert = page.getByRole('alert');
    await alert.waitFor();
    const text = (await alert.textContent()) ?? '';
    expect(text).toContain('Add a provider key to start chatting');
    expect(text).not.toMatch(/`|send provider|model with the message/);
    expect(await page.getByRole('textbox', { name: 'Message' }).inputValue()).toBe('Hello there');
    await snap(page, 'desktop-no-provider');
    expect((await chats()).chats).toEqual([]);
    await alert.getByRole('link', { name: 'Open Settings → Providers' }).click();
    await page.waitForURL(/\/settings\/providers$/);
    // Test connection before saving: lists the models, saves nothing.
    await page.getByRole('button', { name: 'Add OpenAI', exact: true }).click();
    await page.getByLabel('OpenAI API key').fill('sk-e2e-newcomer-1234');
    await page.getByLabel('Base URL (optional)').fill(fake.url);
    await page.getByRole('button', { name: 'Test connection' }).click();
    await page
      .getByRole('status')
      .filter({ hasText: /Connected in \d+ ms · 1 models: gpt-4o-mini/ })
      .waitFor();
    await snap(page, 'desktop-provider-test');
    expect(
      (await call<{ providers: { configured: boolean }[] }>('/providers')).providers.some(
        (p) => p.configured,
      ),
    ).toBe(false);
    await ctx.close();
  });

  it('keeps every keystroke typed at once after "New chat", and the chat is made with its first message', async () => {
    await call('/providers/activate', {
      provider: 'openai',
      api_key: 'sk-e2e-newcomer-1234',
      base_url: fake.url,
    });
    fake.setBehavior({ kind: 'slow', delayMs: 60 });
    const [ctx, page] = await open();
    await page.getByRole('combobox', { name: 'Model' }).waitFor();
    const before = (await chats()).chats.length;
    await newChat(page);
    // No wait at all between the click and the keys.
    await page.keyboard.type('Tell me about Paris');
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/chats\/[0-9a-f-]{36}$/);
    await page.getByRole('article', { name: 'Answer' }).getByText('Short answer.').waitFor();
    const list = (await chats()).chats;
    expect(list.length).toBe(before + 1);
    expect(list[0]).toMatchObject({ title: 'Tell me about Paris', message_count: 2 });
    await page
      .getByRole('navigation', { name: 'Chats' })
      .getByRole('link', { name: 'Tell me about Paris' })
      .waitFor();
    await snap(page, 'desktop-first-chat');
    await ctx.close();
  });

  it('a double click on "New chat" makes no chat at all', async () => {
    await withProvider();
    fake.setBehavior('normal');
    const [ctx, page] = await open();
    const before = (await chats()).chats.length;
    await page.getByRole('button', { name: 'New chat', exact: true }).dblclick();
    await page.getByRole('button', { name: 'New chat', exact: true }).click();
    await page.getByText('What can I help with?').waitFor();
    await page.waitForTimeout(500);
    expect((await chats()).chats.length).toBe(before);
    expect(
      await page.getByRole('navigation', { name: 'Chats' }).getByRole('link', { name: 'New chat' }).count(),
    ).toBe(0);
    await ctx.close();
  });

  it('fast type-and-Enter, again and again, sends every message', async () => {
    await withProvider();
    fake.setBehavior('normal');
    const [ctx, page] = await open();
    const before = (await chats()).chats.length;
    for (let i = 1; i <= 5; i++) {
      const was = new URL(page.url()).pathname;
      await newChat(page);
      await page.keyboard.type(`Quick question ${i}`);
      await page.keyboard.press('Enter');
      await page.waitForURL((u) => u.pathname !== was && /\/chats\/[0-9a-f-]{36}$/.test(u.pathname));
      await page.getByRole('heading', { name: `Quick question ${i}` }).waitFor();
    }
    await expect.poll(async () => (await chats()).chats.length).toBe(before + 5);
    const titles = (await chats()).chats.map((c) => c.title);
    console.log('TITLES', JSON.stringify(titles));
    for (let i = 1; i <= 5; i++) expect(titles).toContain(`Quick question ${i}`);

    // In one chat: a second message typed while the first answer is still being written goes after it.
    fake.setBehavior({ kind: 'slow', delayMs: 50 });
    await newChat(page);
    await page.keyboard.type('First of two');
    await page.keyboard.press('Enter');
    await page.keyboard.type('Second of two');
    await page.keyboard.press('Enter');
    await page.getByRole('status').filter({ hasText: 'Sends when this answer is finished' }).waitFor();
    await snap(page, 'desktop-queued');
    const mine = page.getByRole('article', { name: 'Your message' });
    await expect
      .poll(async () => (await mine.allTextContents()).map((t) => t.replace(/\d+:\d+.*$/, '')), {
        timeout: 20_000,
      })
      .toEqual(['First of two', 'Second of two']);
    await expect
      .poll(() => page.getByRole('article', { name: 'Answer' }).getByText('Short answer.').count(), {
        timeout: 20_000,
      })
      .toBe(2);
    await ctx.close();
  });

  it('on a phone: one header bar, a placeholder that fits, and the view follows a new answer', async () => {
    await withProvider();
    fake.setBehavior({ kind: 'slow', delayMs: 80 });
    reply = LONG;
    const [ctx, page] = await open({
      viewport: { width: 390, height: 844 },
      isMobile: true,
      hasTouch: true,
      colorScheme: 'dark',
    });
    await newChat(page);
    await page.keyboard.type('Write me something long');
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/chats\/[0-9a-f-]{36}$/);
    await page.getByText('Line 40 of a long answer.').waitFor({ timeout: 30_000 });
    const scroller = page.locator('[aria-live="polite"]');
    const gap = () => scroller.evaluate((el) => Math.round(el.scrollHeight - el.scrollTop - el.clientHeight));
    expect(await gap()).toBeLessThanOrEqual(2);
    await snap(page, 'phone-dark-streaming');
    await page.getByText('Line 60 of a long answer.').waitFor({ timeout: 30_000 });
    await page.getByRole('button', { name: 'Send' }).waitFor();
    expect(await gap()).toBeLessThanOrEqual(2);
    const lastLine = await page.getByText('Line 60 of a long answer.').boundingBox();
    const composer = await page.getByRole('textbox', { name: 'Message' }).boundingBox();
    expect(lastLine && composer && lastLine.y + lastLine.height <= composer.y).toBe(true);
    // One header bar above the chat, not two.
    expect(await page.getByRole('button', { name: 'Open menu' }).count()).toBe(1);
    const header = await page.getByRole('heading', { level: 1 }).boundingBox();
    expect(header?.y ?? 100).toBeLessThan(30);
    // The placeholder fits on one line.
    const box = page.getByRole('textbox', { name: 'Message' });
    expect(await box.evaluate((el) => el.scrollHeight <= el.clientHeight + 2)).toBe(true);
    await snap(page, 'phone-dark-done');
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    reply = SHORT;
    await ctx.close();
  });

  it('the pinned page names the chat, jumps to the message and unpins (dark, desktop)', async () => {
    await withProvider();
    fake.setBehavior('normal');
    const [ctx, page] = await open({ colorScheme: 'dark' });
    await newChat(page);
    await page.keyboard.type('Pin this one');
    await page.keyboard.press('Enter');
    await page.getByRole('article', { name: 'Answer' }).getByText('Short answer.').waitFor();
    await page.getByRole('button', { name: 'Pin', exact: true }).click();
    await page.getByRole('button', { name: 'Unpin' }).waitFor();
    await page.getByRole('link', { name: /Pinned/ }).click();
    const item = page.getByRole('listitem').filter({ hasText: 'Short answer.' });
    await item.getByRole('link', { name: 'Pin this one', exact: true }).waitFor();
    await snap(page, 'desktop-dark-pinned');
    await item.getByRole('link', { name: 'Open in “Pin this one”' }).click();
    await page.waitForURL(/\/chats\/[0-9a-f-]{36}\?m=/);
    await page.getByRole('heading', { name: 'Pin this one' }).waitFor();
    await page.goBack();
    await item.getByRole('button', { name: 'Unpin' }).click();
    await page.getByText('Nothing pinned yet').waitFor();

    // Images: starts on the provider that has a key, the other one marked.
    await page.getByRole('link', { name: /Images/ }).click();
    const provider = page.getByLabel('Provider');
    await expect.poll(() => provider.inputValue()).toBe('openai');
    expect(await page.getByLabel('Model', { exact: true }).inputValue()).toBe('dall-e-3');
    expect(await provider.locator('option', { hasText: 'ImageRouter (no key yet)' }).isDisabled()).toBe(true);
    await snap(page, 'desktop-dark-images');
    await ctx.close();
  });

  it("admin pages: the admin's own row is marked and cannot lock them out; metrics draw one unit per chart", async () => {
    const [ctx, page] = await open();
    await page.getByRole('link', { name: /Admin/ }).click();
    await page.getByRole('link', { name: 'Users', exact: true }).click();
    const me = page.getByRole('listitem').filter({ hasText: EMAIL });
    await me.getByText('(you)').waitFor();
    expect(await me.getByRole('button', { name: /Disable/ }).count()).toBe(0);
    expect(await me.getByRole('combobox').count()).toBe(0);
    await snap(page, 'desktop-admin-users');
    await page.getByRole('link', { name: 'Metrics', exact: true }).click();
    await page.getByRole('figure', { name: 'Latency p95 per hour' }).waitFor();
    await page.getByRole('figure', { name: 'Cache hit rate per hour' }).waitFor();
    await page.waitForTimeout(300);
    await snap(page, 'desktop-admin-metrics');
    await ctx.close();
  });

  it('finds chats from the sidebar by title and by message, grouped by day; rename and delete show on touch', async () => {
    await withProvider();
    fake.setBehavior('normal');
    const [ctx, page] = await open();
    await newChat(page);
    await page.keyboard.type('Volcanoes of Iceland');
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Volcanoes of Iceland' }).waitFor();
    const nav = page.getByRole('navigation', { name: 'Chats' });
    await nav.getByRole('region', { name: 'Today' }).waitFor();
    await nav.getByRole('searchbox', { name: 'Search chats' }).fill('iceland');
    await nav
      .getByRole('list', { name: 'Chats matching' })
      .getByRole('link', { name: 'Volcanoes of Iceland' })
      .waitFor();
    await nav.getByRole('list', { name: 'Messages matching' }).getByRole('link').first().waitFor();
    await snap(page, 'desktop-sidebar-search');
    await ctx.close();

    // A tablet: wide enough for the desktop layout, but touch, so no hover to reveal the buttons.
    const [phone, p2] = await open({
      viewport: { width: 820, height: 1180 },
      isMobile: true,
      hasTouch: true,
    });
    const menu = p2.getByRole('button', { name: 'Open menu' });
    if (await menu.isVisible()) await menu.click();
    const rename = p2.getByRole('button', { name: 'Rename Volcanoes of Iceland' });
    await rename.waitFor();
    expect(await rename.evaluate((el) => getComputedStyle(el.parentElement ?? el).opacity)).toBe('1');
    await snap(p2, 'tablet-touch-sidebar');
    await phone.close();
  });
});
