/**
 * Issue 11's "Done when", as one newcomer's walk through the portal, run at desktop (1280×800) and phone
 * (390×844) width on each engine: create the admin, add a key, send, edit the prompt (↑ in the empty composer
 * and the pencil), regenerate, flip ‹ 1 / 2 ›, stop a streaming answer with Esc, attach a picture for a vision
 * model and a PDF for one without vision, share the chat and read it signed out, import a ChatGPT export.
 * Every step leaves a screenshot in web/e2e/artifacts/ (and, at phone width, in REVIEW_SHOTS_DIR when set);
 * no step may scroll the page sideways, and no request may fail.
 */
import { copyFileSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { FakeServer, RecordedRequest } from '../../server/test/fakes/common.js';
import { openAIPictures, startFakeOpenAI, tinyPng } from '../../server/test/fakes/index.js';
import { makePdf } from '../../server/test/fixtures/make-pdf.js';
import { chatgptConversation, chatgptExport } from '../../server/test/helpers/chatgpt-export.js';
import {
  addOpenAIKey,
  buildPortal,
  createAdmin,
  createShareLink,
  engines,
  hasChromium,
  launchBrowser,
  type RunningServer,
  shot,
  startServer,
} from './harness.js';

const viewports = [
  { name: 'desktop', width: 1280, height: 800 },
  { name: 'phone', width: 390, height: 844 },
];
const PNG = tinyPng('e2e-flow');
const PDF = makePdf([['Revenue rose 12 percent in the third quarter.']]);
const LONG = Array.from({ length: 60 }, (_, i) => `word${i + 1}`).join(' ');

const lastUserContent = (req: RecordedRequest | undefined): unknown => {
  const body = req?.body as { messages?: { role: string; content: unknown }[] } | undefined;
  return body?.messages?.at(-1)?.content;
};

describe.skipIf(!hasChromium).each(engines)('a newcomer’s whole flow (%s)', (engine) => {
  let fake: FakeServer;
  let server: RunningServer | undefined;
  let browser: Browser;
  let answers = 0;

  beforeAll(async () => {
    fake = await startFakeOpenAI({
      models: ['gpt-4o', 'gpt-3.5-turbo'],
      visionModels: ['gpt-4o'],
      chunks: 3,
      reply: (req) => {
        const content = lastUserContent(req);
        if (Array.isArray(content)) return 'I see a small coloured square.';
        const text = String(content);
        if (text.includes('<file name="report.pdf">')) return 'The report says revenue rose 12 percent.';
        if (text.includes('Tell me a long story')) return LONG;
        return `Reply number ${++answers}.`;
      },
    });
    buildPortal();
    browser = await launchBrowser();
  });
  afterEach(async () => {
    await server?.stop();
    server = undefined;
  });
  afterAll(async () => {
    await browser?.close();
    await fake?.close();
  });

  it.each(viewports)('at $name width ($width×$height)', async ({ name, width, height }) => {
    // A fresh install per width: the newcomer's first screen is "Create the admin account".
    const srv = await startServer({ JOB_POLL_INTERVAL_MS: '100' }, engine);
    server = srv;
    answers = 0;
    fake.reset();
    const errors: string[] = [];
    const ctx = await browser.newContext({ viewport: { width, height } });
    const page = await ctx.newPage();
    page.on('pageerror', (e) => errors.push(String(e)));
    page.on('response', (r) => {
      if (r.status() >= 400) errors.push(`${r.status()} ${r.request().method()} ${r.url()}`);
    });
    const shotsDir = process.env.REVIEW_SHOTS_DIR;
    if (shotsDir) mkdirSync(shotsDir, { recursive: true });
    let step = 0;
    const snap = async (what: string, p: Page = page) => {
      const file = shot(`flow-${engine}-${name}-${String(++step).padStart(2, '0')}-${what}`);
      await p.screenshot({ path: file });
      if (shotsDir && name === 'phone') copyFileSync(file, path.join(shotsDir, path.basename(file)));
      const overflow = await p.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      expect(overflow, `${what}: the page scrolls sideways`).toBeLessThanOrEqual(0);
    };
    // At phone width the chat list and Settings live behind the menu button.
    const menu = async () => {
      if (name === 'phone') await page.getByRole('button', { name: 'Open menu' }).click();
    };
    const email = `newcomer-${name}@example.com`;
    const password = 'correct horse battery staple';

    await createAdmin(page, srv.url, { email, password });
    await snap('signed-in');
    await menu();
    await addOpenAIKey(page, `sk-e2e-flow-${name}-123456`, fake.url);
    await snap('key-added');

    // Send, then edit the prompt: ↑ in the empty composer opens it, Enter sends the new version.
    await menu();
    await page.getByRole('button', { name: 'New chat', exact: true }).click();
    const box = page.getByRole('textbox', { name: 'Message' });
    await page.getByRole('combobox', { name: 'Model' }).selectOption({ label: 'gpt-3.5-turbo' });
    await box.fill('What is a tree?');
    await box.press('Enter');
    await page.getByText('Reply number 1.').waitFor();
    await snap('first-answer');
    // The chat's title stays readable in its header beside search and Share, at any width.
    const title = page.getByRole('heading', { level: 1, name: 'What is a tree?' });
    await expect.poll(async () => (await title.boundingBox())?.width ?? 0).toBeGreaterThan(80);
    const prompt = page.getByRole('article', { name: 'Your message' });
    const answer = page.getByRole('article', { name: 'Answer' });
    await box.press('ArrowUp');
    const editor = page.getByRole('textbox', { name: 'Edit message' });
    await editor.waitFor();
    await editor.fill('What is a binary tree?');
    await snap('editing');
    await editor.press('Enter');
    await page.getByText('Reply number 2.').waitFor();
    await prompt.getByText('2 / 2').waitFor();

    // Regenerate the answer, then flip between its versions and the prompt's.
    await answer.getByRole('button', { name: 'Regenerate', exact: true }).click();
    await page.getByText('Reply number 3.').waitFor();
    await answer.getByText('2 / 2').waitFor();
    await snap('regenerated');
    await answer.getByRole('button', { name: 'Previous version' }).click();
    await page.getByText('Reply number 2.').waitFor();
    await answer.getByText('1 / 2').waitFor();
    await prompt.getByRole('button', { name: 'Previous version' }).click();
    await page.getByText('Reply number 1.').waitFor();
    await prompt.getByText('1 / 2').waitFor();
    expect(await prompt.textContent()).toContain('What is a tree?');
    await snap('flipped');
    await prompt.getByRole('button', { name: 'Next version' }).click();
    await page.getByText(/Reply number [23]\./).waitFor();

    // Esc stops a streaming answer; what came so far is kept.
    fake.setBehavior({ kind: 'slow', delayMs: 150, only: ['chat'] });
    fake.configure({ chunks: 60 });
    await box.fill('Tell me a long story');
    await box.press('Enter');
    await page.getByText('word3', { exact: false }).waitFor();
    await page.getByRole('button', { name: 'Stop' }).waitFor();
    await snap('streaming');
    await box.press('Escape');
    await page.getByRole('button', { name: 'Send' }).waitFor();
    const stopped = (await answer.last().textContent()) ?? '';
    expect(stopped).toContain('word1');
    expect(stopped).not.toContain('word60');
    await snap('stopped');
    fake.setBehavior('normal');
    fake.configure({ chunks: 3 });

    // A picture for the vision model reaches it as an image part; a PDF for a model without vision as text.
    await page.getByRole('combobox', { name: 'Model' }).selectOption({ label: 'gpt-4o · sees pictures' });
    await page
      .getByTestId('attach-input')
      .setInputFiles([{ name: 'square.png', mimeType: 'image/png', buffer: PNG }]);
    const tray = page.getByRole('list', { name: 'Attachments' });
    await tray.getByRole('img', { name: 'square.png' }).waitFor();
    await expect.poll(() => tray.getByText('Uploading…').count()).toBe(0);
    await box.fill('What is in this picture?');
    await snap('picture-attached');
    await box.press('Enter');
    await page.getByText('I see a small coloured square.').waitFor();
    expect(openAIPictures(fake.requestsTo('chat').at(-1) as RecordedRequest)).toEqual([
      { mediaType: 'image/png', bytes: PNG },
    ]);
    await page
      .getByRole('list', { name: 'Attached files' })
      .getByRole('img', { name: 'square.png' })
      .waitFor();
    await snap('picture-sent');
    await page.getByRole('combobox', { name: 'Model' }).selectOption({ label: 'gpt-3.5-turbo' });
    await page
      .getByTestId('attach-input')
      .setInputFiles([{ name: 'report.pdf', mimeType: 'application/pdf', buffer: PDF }]);
    await tray.getByText('report.pdf').waitFor();
    await expect.poll(() => tray.getByText('Uploading…').count()).toBe(0);
    await box.fill('Summarise the report');
    await box.press('Enter');
    await page.getByText('The report says revenue rose 12 percent.').waitFor();
    expect(String(lastUserContent(fake.requestsTo('chat').at(-1)))).toContain(
      '<file name="report.pdf">\nRevenue rose 12 percent in the third quarter.\n</file>',
    );
    await snap('pdf-sent');

    // Share the chat and open the link in a signed-out browser of the same size.
    const { dialog, url } = await createShareLink(page);
    await snap('share-dialog');
    const visitor = await browser.newContext({ viewport: { width, height } });
    const view = await visitor.newPage();
    view.on('pageerror', (e) => errors.push(`shared page: ${e}`));
    await view.goto(url);
    const list = view.getByRole('list', { name: 'Messages' });
    await list.getByText('The report says revenue rose 12 percent.').waitFor();
    expect(await view.content()).not.toContain(email);
    await snap('shared-signed-out', view);
    await visitor.close();
    await dialog.getByRole('button', { name: 'Close' }).click();

    // Import a ChatGPT export from Settings → Import.
    const dir = mkdtempSync(path.join(tmpdir(), 'pocketllm-e2e-flow-'));
    const file = path.join(dir, 'conversations.json');
    writeFileSync(
      file,
      chatgptExport([chatgptConversation({ seed: 7, turns: 3, branches: true, title: 'Trip to Lisbon' })]),
    );
    await page.goto(`${srv.url}/settings/import`);
    await page.getByLabel('Export file').setInputFiles(file);
    await page.getByRole('button', { name: 'Import', exact: true }).click();
    await page.getByText(/Done: 1 chat imported/).waitFor();
    await snap('imported');
    await page.goto(`${srv.url}/chats`);
    await menu();
    await page
      .getByRole('navigation', { name: 'Chats' })
      .getByRole('link', { name: 'Trip to Lisbon' })
      .click();
    await page.getByText(/A2 regenerated:/).waitFor();
    await snap('imported-chat');
    await ctx.close();
    expect(errors).toEqual([]);
  });
});
