/**
 * Branches in a real browser against the real server and a fake OpenAI: a newcomer edits a prompt,
 * regenerates an answer and flips between versions ("‹ 1 / 2 ›"), at desktop and phone width.
 * Screenshots go to web/e2e/artifacts/ (branches-*).
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FakeServer } from '../../server/test/fakes/common.js';
import { startFakeOpenAI } from '../../server/test/fakes/openai.js';
import {
  addOpenAIKey,
  closeAll,
  createAdmin,
  engines,
  hasChromium,
  type RunningServer,
  shot,
  startPortal,
  watchErrors,
} from './harness.js';

describe.skipIf(!hasChromium).each(engines)('branches in a browser (%s)', (engine) => {
  let fake: FakeServer;
  let server: RunningServer;
  let browser: Browser;
  let answers = 0;
  const errors: string[] = [];

  const watch = (page: Page) => watchErrors(page, errors);

  beforeAll(async () => {
    fake = await startFakeOpenAI({
      models: ['gpt-4o-mini'],
      reply: () => `Reply number ${++answers}.`,
      chunks: 3,
    });
    ({ server, browser } = await startPortal({}, engine));
  });
  afterAll(() => closeAll(browser, server, fake));

  it('edits a prompt, regenerates an answer and flips between the versions', async () => {
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await ctx.newPage();
    watch(page);
    await createAdmin(page, server.url, {
      email: 'grace@example.com',
      password: 'correct horse battery staple',
    });
    await addOpenAIKey(page, 'sk-e2e-branches-123456', fake.url);

    await page.getByRole('button', { name: 'New chat', exact: true }).click();
    const box = page.getByRole('textbox', { name: 'Message' });
    await page.getByRole('combobox', { name: 'Model' }).waitFor();
    await page.getByText('What can I help with?').waitFor();
    await box.fill('What is a tree?');
    await box.press('Enter');
    await page.getByText('Reply number 1.').waitFor();
    const prompt = page.getByRole('article', { name: 'Your message' });
    const answer = page.getByRole('article', { name: 'Answer' });

    // ↑ in the empty box opens the last prompt for editing; Esc leaves it as it was.
    await box.press('ArrowUp');
    const editor = page.getByRole('textbox', { name: 'Edit message' });
    await editor.waitFor();
    await editor.press('Escape');
    await editor.waitFor({ state: 'detached' });

    // Edit the prompt in place: Enter sends the new version, with a new answer.
    await prompt.getByRole('button', { name: 'Edit message' }).click();
    await editor.fill('What is a binary tree?');
    await editor.press('Enter');
    await page.getByText('Reply number 2.').waitFor();
    await prompt.getByText('2 / 2').waitFor();
    expect(await prompt.textContent()).toContain('What is a binary tree?');

    // Regenerate the answer: a second version of it.
    await answer.getByRole('button', { name: 'Regenerate', exact: true }).click();
    await page.getByText('Reply number 3.').waitFor();
    await answer.getByText('2 / 2').waitFor();
    await page.screenshot({ path: shot('branches-desktop') });

    // Flip the answer back and forth, then the prompt back to its first version and its answer.
    await answer.getByRole('button', { name: 'Previous version' }).click();
    await page.getByText('Reply number 2.').waitFor();
    await answer.getByText('1 / 2').waitFor();
    await answer.getByRole('button', { name: 'Next version' }).click();
    await page.getByText('Reply number 3.').waitFor();
    await prompt.getByRole('button', { name: 'Previous version' }).click();
    await page.getByText('Reply number 1.').waitFor();
    await prompt.getByText('1 / 2').waitFor();
    expect(await prompt.textContent()).toContain('What is a tree?');
    // What is shown survives a reload: the server keeps the chat's branch.
    await page.reload();
    await page.getByText('Reply number 1.').waitFor();
    expect(await page.getByRole('article').count()).toBe(2);

    // Phone width: the same chat, the controls within the screen.
    await page.setViewportSize({ width: 390, height: 844 });
    await prompt.getByRole('button', { name: 'Next version' }).click();
    await page.getByText('Reply number 3.').waitFor();
    await page.screenshot({ path: shot('branches-phone') });
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    await ctx.close();
    expect(errors).toEqual([]);
  });
});
