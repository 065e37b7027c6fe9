/**
 * Issue 11's account and chat settings in Chromium against the real server and a fake OpenAI: a fresh
 * install's first screen, change password then sign in with it, templates (create, edit, delete), a chat's
 * system prompt set from its header reaching the provider, and deleting the account. Screenshots at desktop
 * and phone width go to web/e2e/artifacts/ (settings-*.png).
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FakeServer } from '../../server/test/fakes/common.js';
import { startFakeOpenAI } from '../../server/test/fakes/openai.js';
import {
  closeAll,
  engines,
  hasChromium,
  type RunningServer,
  shot,
  startPortal,
  watchErrors,
} from './harness.js';

const EMAIL = 'owner@example.com';
const FIRST = 'correct horse battery staple';
const SECOND = 'a different long passphrase';
const PHONE = { width: 390, height: 844 };

describe.skipIf(!hasChromium).each(engines)('account and chat settings (%s)', (engine) => {
  let fake: FakeServer;
  let server: RunningServer;
  let browser: Browser;
  let ctx: BrowserContext;
  let page: Page;
  const errors: string[] = [];

  const watch = (p: Page) => watchErrors(p, errors, { minStatus: 500 });
  const api = async (path: string, method = 'GET', body?: unknown, token?: string) => {
    const res = await fetch(`${server.url}/api/v1${path}`, {
      method,
      headers: {
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(token ? { authorization: `Bearer ${token}` } : {}),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return {
      status: res.status,
      body: res.status === 204 ? null : ((await res.json()) as Record<string, unknown>),
    };
  };
  const login = async (password: string) => {
    const res = await api('/auth/login', 'POST', { email: EMAIL, password });
    expect(res.status).toBe(200);
    return String(res.body?.access_token);
  };
  const signIn = async (p: Page, password: string) => {
    await p.getByLabel('Email').fill(EMAIL);
    await p.getByLabel('Password').fill(password);
    await p.getByRole('button', { name: 'Sign in' }).click();
  };
  const onPhone = async (path: string, name: string, then: (p: Page) => Promise<void>) => {
    const phone = await browser.newContext({ viewport: PHONE, isMobile: true, hasTouch: true });
    const p = await phone.newPage();
    watch(p);
    await p.goto(`${server.url}${path}`);
    await signIn(p, SECOND);
    await then(p);
    await p.screenshot({ path: shot(`settings-phone-${name}`), fullPage: true });
    await phone.close();
  };
  const settingsTab = async (name: string) => {
    await page.getByRole('link', { name: 'Settings', exact: true }).click();
    await page.getByRole('link', { name, exact: true }).click();
  };

  beforeAll(async () => {
    fake = await startFakeOpenAI({
      models: ['gpt-4o-mini'],
      reply: 'Arr, that be a fine question.',
      chunks: 4,
    });
    ({ server, browser } = await startPortal({}, engine));
    ctx = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    page = await ctx.newPage();
    watch(page);
  });
  afterAll(() => closeAll(browser, server, fake));

  it('a fresh install opens on "Create the admin account", at desktop and phone width', async () => {
    expect((await api('/auth/setup')).body).toEqual({ needs_admin: true });
    const phone = await browser.newContext({ viewport: PHONE, isMobile: true, hasTouch: true });
    const p = await phone.newPage();
    await p.goto(`${server.url}/`);
    await p.getByRole('heading', { name: 'Create the admin account' }).waitFor();
    await p.screenshot({ path: shot('settings-phone-first-screen') });
    await phone.close();

    await page.goto(`${server.url}/`);
    await page.getByRole('heading', { name: 'Create the admin account' }).waitFor();
    expect(await page.getByRole('tab', { name: 'Sign in' }).count()).toBe(0);
    await page.screenshot({ path: shot('settings-desktop-first-screen') });
    await page.getByLabel('Email').fill(EMAIL);
    await page.getByLabel('Password').fill(FIRST);
    await page.getByRole('button', { name: 'Create admin account' }).click();
    await page.getByRole('button', { name: 'New chat', exact: true }).waitFor();
    expect((await api('/auth/setup')).body).toEqual({ needs_admin: false });
  });

  it('changes the password (a wrong current one said plainly), then signs in with the new one only', async () => {
    await settingsTab('Account');
    await page.getByLabel('Current password').fill('not my password');
    await page.getByLabel('New password', { exact: true }).fill(SECOND);
    await page.getByLabel('Repeat the new password').fill(SECOND);
    await page.getByRole('button', { name: 'Change password' }).click();
    await page.getByRole('alert').filter({ hasText: 'The current password is incorrect.' }).waitFor();
    await page.getByLabel('Current password').fill(FIRST);
    await page.getByRole('button', { name: 'Change password' }).click();
    await page.getByRole('status').filter({ hasText: 'Password changed' }).waitFor();
    await page.screenshot({ path: shot('settings-desktop-account') });

    await page.getByRole('button', { name: 'Sign out' }).click();
    await signIn(page, FIRST);
    await page.getByRole('alert').filter({ hasText: 'That email and password do not match' }).waitFor();
    await page.getByLabel('Password').fill(SECOND);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('button', { name: 'New chat', exact: true }).waitFor();
    await onPhone('/settings/account', 'account', (p) =>
      p.getByRole('heading', { name: 'Change password' }).waitFor(),
    );
  });

  it('lists the built-in templates read-only, and creates, edits and deletes one of its own', async () => {
    await settingsTab('Templates');
    const builtins = page.getByRole('list', { name: 'Built-in templates' });
    await builtins.getByText('Read-only').first().waitFor();
    expect(await builtins.getByRole('button').count()).toBe(0);

    await page.getByRole('button', { name: 'New template' }).click();
    await page.getByLabel('Name').fill('Translate');
    await page.getByLabel('Template text').fill('Translate {{text}} into {{ language }}.');
    await page.getByText('Variables: text, language').waitFor();
    await page.getByRole('button', { name: 'Create template' }).click();
    await page.getByRole('button', { name: 'Edit Translate' }).waitFor();
    await page.screenshot({ path: shot('settings-desktop-templates'), fullPage: true });
    await onPhone('/settings/templates', 'templates', (p) =>
      p.getByRole('button', { name: 'Edit Translate' }).waitFor(),
    );

    await page.getByRole('button', { name: 'Edit Translate' }).click();
    await page.getByLabel('Name').fill('Translate politely');
    await page.getByRole('button', { name: 'Save template' }).click();
    await page.getByRole('button', { name: 'Edit Translate politely' }).waitFor();
    const token = await login(SECOND);
    const own = () =>
      api('/templates', 'GET', undefined, token).then((r) =>
        ((r.body?.templates ?? []) as { name: string; builtin: boolean; variables: string[] }[]).filter(
          (t) => !t.builtin,
        ),
      );
    expect(await own()).toMatchObject([{ name: 'Translate politely', variables: ['text', 'language'] }]);

    await page.getByRole('button', { name: 'Delete Translate politely' }).click();
    await page.getByRole('button', { name: 'Delete template' }).click();
    await page.getByText('No templates of your own yet.').waitFor();
    expect(await own()).toEqual([]);
  });

  it("sets a chat's model and system prompt from its header, and the provider receives that prompt", async () => {
    const token = await login(SECOND);
    const activate = await api(
      '/providers/activate',
      'POST',
      { provider: 'openai', api_key: 'sk-e2e-settings-1234', base_url: fake.url },
      token,
    );
    expect(activate.status).toBe(200);
    const cfg = await api(
      '/model-configs',
      'POST',
      { name: 'Plain', provider: 'openai', model: 'gpt-4o-mini', system_prompt: 'From the config.' },
      token,
    );
    expect(cfg.status).toBe(201);
    const chat = await api('/chats', 'POST', { title: 'Pirate talk' }, token);
    const chatId = String(chat.body?.id);

    await page.goto(`${server.url}/chats/${chatId}`);
    await page.getByRole('button', { name: 'Chat settings' }).click();
    const dialog = page.getByRole('dialog', { name: 'Chat settings' });
    await dialog.getByRole('option', { name: 'Plain (gpt-4o-mini)' }).waitFor({ state: 'attached' });
    await dialog.getByLabel('Model').selectOption({ label: 'Plain (gpt-4o-mini)' });
    await dialog.getByLabel('System prompt').fill('You are a pirate. Answer like one.');
    await page.screenshot({ path: shot('settings-desktop-chat-settings') });
    await dialog.getByRole('button', { name: 'Save' }).click();
    await page.getByText('Plain (gpt-4o-mini) · set for this chat').waitFor();

    fake.reset();
    await page.getByRole('textbox', { name: 'Message' }).fill('What is the weather like?');
    await page.keyboard.press('Enter');
    await page.getByText('Arr, that be a fine question.').waitFor();
    const sent = fake.requestsTo('chat').at(-1)?.body as {
      model: string;
      messages: { role: string; content: unknown }[];
    };
    expect(sent.model).toBe('gpt-4o-mini');
    expect(sent.messages[0]).toEqual({ role: 'system', content: 'You are a pirate. Answer like one.' });
    expect(sent.messages.filter((m) => m.role === 'system')).toHaveLength(1);
    const stored = await api(`/chats/${chatId}`, 'GET', undefined, token);
    expect(stored.body).toMatchObject({
      system_prompt: 'You are a pirate. Answer like one.',
      model_config_id: cfg.body?.id,
    });

    await onPhone(`/chats/${chatId}`, 'chat-settings', async (p) => {
      await p.getByRole('button', { name: 'Chat settings' }).click();
      await p.getByRole('dialog', { name: 'Chat settings' }).getByLabel('System prompt').waitFor();
    });
  });

  it('deletes the account after the typed confirmation, signs out, and the install is fresh again', async () => {
    await settingsTab('Account');
    await page.getByRole('button', { name: 'Delete account…' }).click();
    const confirm = page.getByRole('button', { name: 'Delete my account' });
    expect(await confirm.isDisabled()).toBe(true);
    await page.getByLabel(/to confirm/).fill(EMAIL);
    await expect.poll(() => confirm.isEnabled()).toBe(true);
    await page.screenshot({ path: shot('settings-desktop-delete-account') });
    await confirm.click();
    await page.getByRole('heading', { name: 'Create the admin account' }).waitFor();
    expect((await api('/auth/login', 'POST', { email: EMAIL, password: SECOND })).status).toBe(401);
    expect(errors).toEqual([]);
  });
});
