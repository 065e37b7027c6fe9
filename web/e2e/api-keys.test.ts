/**
 * Settings → API keys in a real browser against the real server: create a key, use it with the official
 * OpenAI SDK, revoke it in the page, and the SDK is refused. Screenshots go to web/e2e/artifacts/.
 */
import OpenAI from 'openai';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  closeAll,
  createAdmin,
  engines,
  hasChromium,
  type RunningServer,
  shot,
  startPortal,
} from './harness.js';

describe.skipIf(!hasChromium).each(engines)('API keys in a browser (%s)', (engine) => {
  let server: RunningServer;
  let browser: Browser;

  beforeAll(async () => {
    ({ server, browser } = await startPortal({}, engine));
  });
  afterAll(() => closeAll(browser, server));

  it('creates a key shown once, the SDK uses it, and a revoke in the page refuses it', async () => {
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await ctx.newPage();
    await createAdmin(page, server.url, {
      email: 'keys@example.com',
      password: 'correct horse battery staple',
    });

    await page.goto(`${server.url}/settings/api-keys`);
    await page.getByLabel('Key name').fill('e2e notebook');
    await page.getByRole('button', { name: 'Create key' }).click();
    const key = await page.getByLabel('New API key').inputValue();
    expect(key).toMatch(/^pk-/);
    await expect(page.getByRole('tabpanel', { name: 'Python example' }).textContent()).resolves.toContain(
      key,
    );
    await page.screenshot({ path: shot('desktop-api-key-created') });

    const client = new OpenAI({ apiKey: key, baseURL: `${server.url}/openai/v1`, maxRetries: 0 });
    const models = await client.models.list();
    expect(models.data).toEqual([]);

    await page.getByRole('button', { name: 'Done' }).click();
    const list = page.getByRole('list', { name: 'Your API keys' });
    await list.getByText('e2e notebook').waitFor();
    await expect(list.textContent()).resolves.not.toContain(key);
    await page.getByRole('button', { name: 'Revoke e2e notebook' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Revoke' }).click();
    await page.getByText('No API keys yet.').waitFor();
    const refused = await client.models.list().catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(OpenAI.AuthenticationError);
    await ctx.close();
  });
});
