/**
 * The Settings and Admin tab strips in Chromium: at phone width (375 px) they scroll sideways and say so — a
 * fade with a chevron on each edge that has tabs past it, following the scroll position — and the open tab is
 * brought into view, clear of the fades; at desktop width every tab shows and there is no fade. Screenshots
 * go to web/e2e/artifacts/ (tabs-*.png).
 */
import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  closeAll,
  createAdmin,
  engines,
  hasChromium,
  type RunningServer,
  shot,
  signIn,
  startPortal,
} from './harness.js';

const ADMIN = { email: 'tabs@example.com', password: 'correct horse battery staple' };

describe.skipIf(!hasChromium).each(engines)('tab strips that scroll (%s)', (engine) => {
  let server: RunningServer;
  let browser: Browser;

  const open = async (width: number, path: string) => {
    const phone = width < 640;
    const ctx = await browser.newContext({
      viewport: { width, height: 700 },
      ...(phone ? { isMobile: true, hasTouch: true } : {}),
    });
    const page = await ctx.newPage();
    page.on('pageerror', (e) => {
      throw e;
    });
    await signIn(page, server.url, ADMIN);
    await page.goto(`${server.url}${path}`);
    return { page, close: () => ctx.close() };
  };
  const strip = (page: Page, name: string) => {
    const nav = page.getByRole('navigation', { name });
    const edges = nav.locator('xpath=..');
    return {
      nav,
      start: edges.locator('[data-edge="start"]'),
      end: edges.locator('[data-edge="end"]'),
      scroll: () => nav.evaluate((el) => ({ left: el.scrollLeft, max: el.scrollWidth - el.clientWidth })),
    };
  };
  const box = async (l: Locator) => {
    const b = await l.boundingBox();
    if (!b) throw new Error('not laid out');
    return { left: b.x, right: b.x + b.width };
  };
  /** The tab lies inside the strip and outside both fades (those that show). */
  const clearOfEdges = async (s: ReturnType<typeof strip>, tab: Locator) => {
    const [nav, t] = [await box(s.nav), await box(tab)];
    const start = (await s.start.count()) ? (await box(s.start)).right : nav.left;
    const end = (await s.end.count()) ? (await box(s.end)).left : nav.right;
    expect(t.left).toBeGreaterThanOrEqual(start - 0.5);
    expect(t.right).toBeLessThanOrEqual(end + 0.5);
  };

  beforeAll(async () => {
    ({ server, browser } = await startPortal({}, engine));
    const ctx = await browser.newContext();
    await createAdmin(await ctx.newPage(), server.url, ADMIN);
    await ctx.close();
  });
  afterAll(() => closeAll(browser, server));

  it('at 375 px the Settings strip shows which way more tabs are, and follows the scroll', async () => {
    const { page, close } = await open(375, '/settings/providers');
    const s = strip(page, 'Settings');
    await s.nav.getByRole('link', { name: 'Providers' }).waitFor();
    expect((await s.scroll()).max).toBeGreaterThan(100);
    await s.end.waitFor();
    expect(await s.start.count()).toBe(0);
    // The last tab is past the right edge: the fade is the only hint it exists.
    expect((await box(s.nav.getByRole('link', { name: 'Import' }))).left).toBeGreaterThan(
      (await box(s.nav)).right,
    );
    await page.screenshot({ path: shot(`tabs-phone-start-${engine}`), clip: clipTop(375) });

    // The chevron scrolls the strip; then both edges have tabs past them.
    await s.end.click();
    await expect.poll(async () => (await s.scroll()).left).toBeGreaterThan(0);
    await s.start.waitFor();
    expect(await s.end.count()).toBe(1);

    // Scrolled to the end (a swipe): no fade there any more, one at the start.
    await s.nav.evaluate((el) => el.scrollTo({ left: el.scrollWidth, behavior: 'instant' }));
    await s.end.waitFor({ state: 'detached' });
    await s.start.waitFor();
    await page.screenshot({ path: shot(`tabs-phone-end-${engine}`), clip: clipTop(375) });
    await close();
  });

  it('at 375 px the open tab is scrolled into view, clear of the fades, opened by URL or by a tap', async () => {
    const { page, close } = await open(375, '/settings/import');
    const s = strip(page, 'Settings');
    const current = s.nav.locator('[aria-current="page"]');
    await expect.poll(() => current.textContent()).toBe('Import');
    await expect.poll(async () => (await s.scroll()).left).toBe((await s.scroll()).max);
    await clearOfEdges(s, current);
    await page.screenshot({ path: shot(`tabs-phone-import-${engine}`), clip: clipTop(375) });

    await page.goto(`${server.url}/settings/api-keys`);
    await expect.poll(() => current.textContent()).toBe('API keys');
    await s.start.waitFor();
    await s.end.waitFor();
    await clearOfEdges(s, current);

    // A tap on the next tab brings it to the middle (smoothly: wait for the strip to settle).
    const templates = s.nav.getByRole('link', { name: 'Templates' });
    await templates.click();
    await expect.poll(() => current.textContent()).toBe('Templates');
    let last = -1;
    await expect
      .poll(async () => {
        const now = (await s.scroll()).left;
        const settled = now === last;
        last = now;
        return settled;
      })
      .toBe(true);
    await clearOfEdges(s, templates);
    await page.screenshot({ path: shot(`tabs-phone-templates-${engine}`), clip: clipTop(375) });
    await close();
  });

  it('at 375 px the Admin strip has the same hint', async () => {
    const { page, close } = await open(375, '/admin/users');
    const s = strip(page, 'Admin');
    await s.end.waitFor();
    expect(await s.start.count()).toBe(0);
    await page.screenshot({ path: shot(`tabs-phone-admin-${engine}`), clip: clipTop(375, 200) });
    await close();
  });

  it('at desktop width every tab shows and there is no fade', async () => {
    const { page, close } = await open(1280, '/settings/import');
    const s = strip(page, 'Settings');
    await s.nav.getByRole('link', { name: 'Import' }).waitFor();
    expect((await s.scroll()).max).toBeLessThanOrEqual(0);
    expect(await s.start.count()).toBe(0);
    expect(await s.end.count()).toBe(0);
    const nav = await box(s.nav);
    for (const name of ['Providers', 'Import']) {
      const tab = await box(s.nav.getByRole('link', { name, exact: true }));
      expect(tab.left).toBeGreaterThanOrEqual(nav.left);
      expect(tab.right).toBeLessThanOrEqual(nav.right);
    }
    await page.screenshot({ path: shot(`tabs-desktop-${engine}`), clip: clipTop(1280) });
    await close();
  });
});

const clipTop = (width: number, height = 160) => ({ x: 0, y: 0, width, height });
