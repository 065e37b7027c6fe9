/**
 * Share and import in Chromium against the real server: share a chat from its header, open the link in a
 * fresh signed-out browser (desktop and phone width), revoke it; import a small ChatGPT export from
 * Settings → Import and watch the progress bar reach 100 %.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FakeServer } from '../../server/test/fakes/common.js';
import { startFakeOpenAI } from '../../server/test/fakes/openai.js';
import { chatgptConversation, chatgptExport } from '../../server/test/helpers/chatgpt-export.js';
import {
  apiCall,
  closeAll,
  createShareLink,
  engines,
  hasChromium,
  openSignedIn,
  type RunningServer,
  registerUser,
  shot,
  startPortal,
} from './harness.js';

const EMAIL = 'sharer@example.com';
const PASSWORD = 'correct horse battery staple';
const ANSWER = 'Paris is the capital of France.';

describe.skipIf(!hasChromium).each(engines)('share and import in the portal (%s)', (engine) => {
  let fake: FakeServer;
  let server: RunningServer;
  let browser: Browser;
  let token = '';

  const call = <T>(p: string, body?: unknown): Promise<T> => apiCall<T>(server.url, p, body, token);
  const signedIn = (): Promise<[BrowserContext, Page]> =>
    openSignedIn(browser, server.url, { email: EMAIL, password: PASSWORD });

  beforeAll(async () => {
    fake = await startFakeOpenAI({ models: ['gpt-4o-mini'], reply: () => ANSWER, chunks: 5 });
    ({ server, browser } = await startPortal({ JOB_POLL_INTERVAL_MS: '100' }, engine));
    token = await registerUser(
      server.url,
      { email: EMAIL, password: PASSWORD },
      { apiKey: 'sk-e2e-share-1234', baseUrl: fake.url },
    );
  });
  afterAll(() => closeAll(browser, server, fake));

  it('shares a chat; a signed-out visitor reads it; after revoking, the link is dead', async () => {
    const [ctx, page] = await signedIn();
    await page.getByRole('combobox', { name: 'Model' }).waitFor();
    await page.getByRole('button', { name: 'New chat', exact: true }).click();
    await page.keyboard.type('What is the capital of France?');
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/chats\/[0-9a-f-]{36}$/);
    await page.getByRole('article', { name: 'Answer' }).getByText(ANSWER).waitFor();

    const { dialog, url } = await createShareLink(page);
    expect(url).toMatch(/\/s\/[A-Za-z0-9_-]{43}$/);
    await dialog.getByRole('button', { name: /Copy link|Copied/ }).click();
    await page.screenshot({ path: shot(`share-dialog-${engine}`) });

    for (const viewport of [
      { width: 1280, height: 800 },
      { width: 390, height: 844 },
    ]) {
      // A fresh context: no refresh token, no session; the page must not ask to sign in.
      const visitor = await browser.newContext({ viewport });
      const view = await visitor.newPage();
      view.on('pageerror', (e) => {
        throw e;
      });
      await view.goto(url);
      await view.getByRole('heading', { name: 'What is the capital of France?' }).waitFor();
      const list = view.getByRole('list', { name: 'Messages' });
      await list.getByText(ANSWER).waitFor();
      await list.getByText('What is the capital of France?').waitFor();
      expect(await view.getByText('gpt-4o-mini').count()).toBeGreaterThan(0);
      expect(await view.getByRole('button', { name: 'Sign in' }).count()).toBe(0);
      expect(await view.content()).not.toContain(EMAIL);
      const width = await view.evaluate(() => document.documentElement.scrollWidth);
      expect(width).toBeLessThanOrEqual(viewport.width);
      await view.screenshot({ path: shot(`shared-page-${viewport.width}-${engine}`) });
      await visitor.close();
    }

    await dialog.getByRole('button', { name: 'Revoke link' }).click();
    await dialog.getByRole('button', { name: 'Create link' }).waitFor();
    const visitor = await browser.newContext();
    const view = await visitor.newPage();
    await view.goto(url);
    await view.getByRole('heading', { name: 'This link does not work' }).waitFor();
    await visitor.close();
    await ctx.close();
  });

  it('imports a ChatGPT export from Settings → Import with a progress bar', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'pocketllm-e2e-import-'));
    const file = path.join(dir, 'conversations.json');
    writeFileSync(
      file,
      chatgptExport([
        chatgptConversation({ seed: 41, turns: 3, branches: true, title: 'Trip to Lisbon' }),
        chatgptConversation({ seed: 42, turns: 2, title: 'Sourdough starter' }),
      ]),
    );
    const [ctx, page] = await signedIn();
    await page.goto(`${server.url}/settings/import`);
    await page.getByLabel('Export file').setInputFiles(file);
    await page.getByRole('button', { name: 'Import', exact: true }).click();
    await page.getByText(/Done: 2 chats imported/).waitFor();
    expect(
      await page.getByRole('progressbar', { name: 'Import progress' }).getAttribute('aria-valuenow'),
    ).toBe('100');
    await page.screenshot({ path: shot(`import-done-${engine}`) });
    const chats = await call<{ chats: { title: string | null }[] }>('/chats');
    expect(chats.chats.map((c) => c.title)).toEqual(
      expect.arrayContaining(['Trip to Lisbon', 'Sourdough starter']),
    );
    // The imported chat opens on ChatGPT's current branch.
    await page.goto(`${server.url}/chats`);
    await page
      .getByRole('navigation', { name: 'Chats' })
      .getByRole('link', { name: 'Trip to Lisbon' })
      .click();
    await page.getByText(/A2 regenerated:/).waitFor();
    await ctx.close();
  });
});
