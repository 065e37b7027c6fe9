/**
 * Admin → Audit and Admin → Status in a real browser against the real server (embedded PGlite): the audit
 * log filters, the status cards, a backup downloaded while the server runs, and that backup checked and
 * staged for restore. Screenshots go to web/e2e/artifacts/.
 */
import { readFileSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  closeAll,
  createAdmin,
  hasChromium,
  type RunningServer,
  shot,
  startPortal,
  watchErrors,
} from './harness.js';

const EMAIL = 'grace@example.com';
const PASSWORD = 'correct horse battery staple';

describe.skipIf(!hasChromium)('admin audit and status pages', () => {
  let server: RunningServer;
  let browser: Browser;
  const errors: string[] = [];

  const watch = (page: Page) => watchErrors(page, errors, { minStatus: 500 });

  beforeAll(async () => {
    ({ server, browser } = await startPortal());
  });
  afterAll(() => closeAll(browser, server));

  it('shows the audit log with filters, the status, and backs up and stages a restore', async () => {
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 }, acceptDownloads: true });
    const page = await ctx.newPage();
    watch(page);
    // A fresh install asks for its admin account first.
    await createAdmin(page, server.url, { email: EMAIL, password: PASSWORD });

    // Something to audit: an invite created and revoked.
    await page.getByRole('link', { name: /Admin/ }).click();
    await page.getByRole('link', { name: 'Invites' }).click();
    await page.getByRole('button', { name: 'Create invite' }).click();
    const code = (await page.getByTestId('invite-code').first().textContent()) ?? '';
    await page.getByRole('button', { name: `Revoke ${code}` }).click();
    await page.getByTestId('invite-code').first().waitFor({ state: 'detached' });

    await page.getByRole('link', { name: 'Audit', exact: true }).click();
    const log = page.getByRole('table', { name: 'Audit log' });
    await log.getByText('invite.revoke').waitFor();
    await log.getByText('invite.create').waitFor();
    expect(await log.getByText(EMAIL).count()).toBe(2);
    await page.screenshot({ path: shot('desktop-admin-audit') });

    await page.getByLabel('Action').selectOption('invite.create');
    await page.getByRole('button', { name: 'Filter' }).click();
    await log.getByText('invite.revoke').waitFor({ state: 'detached' });
    await log.getByText('invite.create').waitFor();
    await page.getByLabel('Actor (email or id)').fill('nobody@example.com');
    await page.getByRole('button', { name: 'Filter' }).click();
    await page.getByText('No audit entries match.').waitFor();

    await page.getByRole('link', { name: 'Status', exact: true }).click();
    const database = page.getByRole('region', { name: 'Database (pglite)' });
    await database.getByText('ok').waitFor();
    await page.getByRole('region', { name: 'Redis' }).getByText('not configured').waitFor();
    await page
      .getByRole('region', { name: 'Migrations' })
      .getByText(/(\d+) of \1 applied/)
      .waitFor();
    await page.getByText('Answers streaming now').waitFor();
    await page.screenshot({ path: shot('desktop-admin-status') });

    // A backup of the running server, downloaded by the browser…
    const downloading = page.waitForEvent('download');
    await page.getByRole('button', { name: 'Download backup' }).click();
    const download = await downloading;
    expect(download.suggestedFilename()).toMatch(/^pocketllm-backup-.*\.tar\.gz$/);
    const file = await download.path();
    expect(readFileSync(file).subarray(0, 2)).toEqual(Buffer.from([0x1f, 0x8b]));

    // …then uploaded again: checked, staged for the next start, and audited.
    await page.getByLabel('Restore from a backup file').setInputFiles(file);
    await page
      .getByRole('status')
      .getByText(/checked and staged: restart PocketLLM/)
      .waitFor({ timeout: 60_000 });
    await page.screenshot({ path: shot('desktop-admin-restore-staged') });
    await page.getByRole('link', { name: 'Audit', exact: true }).click();
    await page.getByLabel('Actor (email or id)').fill('');
    await page.getByLabel('Action').selectOption('');
    await page.getByRole('button', { name: 'Filter' }).click();
    await log.getByText('restore.stage').waitFor();
    await log.getByText('backup.create').waitFor();

    // A damaged file is refused with the reason, in the page.
    await page.getByRole('link', { name: 'Status', exact: true }).click();
    await page.getByLabel('Restore from a backup file').setInputFiles({
      name: 'broken.tar.gz',
      mimeType: 'application/gzip',
      buffer: Buffer.from('not a backup'),
    });
    await page.getByText(/not a PocketLLM backup/).waitFor();
    await ctx.close();
    expect(errors).toEqual([]);
  });
});
