/**
 * Pictures and PDFs given to the model from the portal (issue 11), in Chromium against the real server and a
 * fake OpenAI that checks the exact shape of what it gets (server/test/fakes/vision.ts) and takes pictures
 * only for gpt-4o: attach with the button, drop a PDF onto the composer, remove a file, see thumbnails and
 * chips on the sent messages, at desktop and phone width. Screenshots go to web/e2e/artifacts/.
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FakeServer, RecordedRequest } from '../../server/test/fakes/common.js';
import { openAIPictures, startFakeOpenAI, tinyPng } from '../../server/test/fakes/index.js';
import { makePdf } from '../../server/test/fixtures/make-pdf.js';
import {
  closeAll,
  engines,
  hasChromium,
  openSignedIn,
  type RunningServer,
  registerUser,
  shot,
  startPortal,
} from './harness.js';

const EMAIL = 'pictures@example.com';
const PASSWORD = 'correct horse battery staple';
const PNG = tinyPng('e2e-attach');
const PDF = makePdf([['Revenue rose 12 percent in the third quarter.']]);

const lastUserContent = (req: RecordedRequest | undefined): unknown => {
  const body = req?.body as { messages?: { role: string; content: unknown }[] } | undefined;
  return body?.messages?.at(-1)?.content;
};

describe.skipIf(!hasChromium).each(engines)('attachments in the portal (%s)', (engine) => {
  let fake: FakeServer;
  let server: RunningServer;
  let browser: Browser;
  const open = (viewport: { width: number; height: number }): Promise<[BrowserContext, Page]> =>
    openSignedIn(browser, server.url, { email: EMAIL, password: PASSWORD }, { viewport });

  const pickModel = (page: Page, label: string) => page.getByLabel('Model').selectOption({ label });

  beforeAll(async () => {
    fake = await startFakeOpenAI({
      models: ['gpt-4o', 'gpt-3.5-turbo'],
      visionModels: ['gpt-4o'],
      reply: (req) => {
        const content = lastUserContent(req);
        if (Array.isArray(content)) return 'I see a small coloured square.';
        return String(content).includes('<file name="report.pdf">')
          ? 'The report says revenue rose 12 percent.'
          : 'Plain answer.';
      },
    });
    ({ server, browser } = await startPortal({}, engine));
    await registerUser(
      server.url,
      { email: EMAIL, password: PASSWORD },
      { apiKey: 'sk-e2e-pictures-1234', baseUrl: fake.url },
    );
  });
  afterAll(() => closeAll(browser, server, fake));

  it('a picture for a vision model reaches it as an image part, and the message shows its thumbnail', async () => {
    const [ctx, page] = await open({ width: 1280, height: 800 });
    await pickModel(page, 'gpt-4o · sees pictures');
    const input = page.getByTestId('attach-input');
    await input.setInputFiles([
      { name: 'square.png', mimeType: 'image/png', buffer: PNG },
      { name: 'unwanted.png', mimeType: 'image/png', buffer: tinyPng('unwanted') },
    ]);
    const tray = page.getByRole('list', { name: 'Attachments' });
    await tray.getByRole('img', { name: 'square.png' }).waitFor();
    await tray.getByRole('button', { name: 'Remove unwanted.png' }).click();
    await expect.poll(() => tray.getByRole('img').count()).toBe(1);
    await page.screenshot({ path: shot(`attach-${engine}-composer`) });
    await page.getByRole('textbox', { name: 'Message' }).fill('What is in this picture?');
    await page.keyboard.press('Enter');
    await page.getByText('I see a small coloured square.').waitFor();
    // The fake got exactly this picture, as an OpenAI image_url part with a data URL.
    const req = fake.requestsTo('chat').at(-1);
    if (!req) throw new Error('no chat request');
    expect(openAIPictures(req)).toEqual([{ mediaType: 'image/png', bytes: PNG }]);
    // The sent message shows the stored picture (fetched with the session), and the tray is empty again.
    const thumb = page.getByRole('list', { name: 'Attached files' }).getByRole('img', { name: 'square.png' });
    await thumb.waitFor();
    await expect
      .poll(() =>
        thumb.evaluate((img) => (img as HTMLImageElement).complete && (img as HTMLImageElement).naturalWidth),
      )
      .toBe(8);
    expect(await page.getByRole('list', { name: 'Attachments' }).count()).toBe(0);
    await page.screenshot({ path: shot(`attach-${engine}-picture-sent`) });
    await ctx.close();
  });

  it('a PDF dropped onto the composer reaches a model without vision as labelled text', async () => {
    const [ctx, page] = await open({ width: 390, height: 844 });
    await pickModel(page, 'gpt-3.5-turbo');
    const form = page.locator('form', { has: page.getByRole('textbox', { name: 'Message' }) });
    const transfer = await page.evaluateHandle((b64) => {
      const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
      const dt = new DataTransfer();
      dt.items.add(new File([bytes], 'report.pdf', { type: 'application/pdf' }));
      return dt;
    }, PDF.toString('base64'));
    await form.dispatchEvent('dragover', { dataTransfer: transfer });
    await form.dispatchEvent('drop', { dataTransfer: transfer });
    const tray = page.getByRole('list', { name: 'Attachments' });
    await tray.getByText('report.pdf').waitFor();
    await expect.poll(() => tray.getByText('Uploading…').count()).toBe(0);
    await page.getByRole('textbox', { name: 'Message' }).fill('Summarise the report');
    await page.keyboard.press('Enter');
    await page.getByText('The report says revenue rose 12 percent.').waitFor();
    const content = String(lastUserContent(fake.requestsTo('chat').at(-1)));
    expect(content).toContain(
      '<file name="report.pdf">\nRevenue rose 12 percent in the third quarter.\n</file>',
    );
    expect(content.endsWith('Summarise the report')).toBe(true);
    await page.getByRole('list', { name: 'Attached files' }).getByText('report.pdf').waitFor();
    await page.screenshot({ path: shot(`attach-${engine}-pdf-phone`) });

    // A picture for this model is refused in plain words, and the file stays in the box.
    await page
      .getByTestId('attach-input')
      .setInputFiles([{ name: 'pic.png', mimeType: 'image/png', buffer: PNG }]);
    await expect.poll(() => tray.getByText('Uploading…').count()).toBe(0);
    await page.getByRole('textbox', { name: 'Message' }).fill('And this?');
    await page.keyboard.press('Enter');
    await page
      .getByRole('alert')
      .filter({ hasText: /does not take pictures/ })
      .waitFor();
    await tray.getByRole('img', { name: 'pic.png' }).waitFor();
    await ctx.close();
  });
});
