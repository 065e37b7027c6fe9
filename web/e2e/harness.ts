/**
 * Browser-test harness: builds the portal, starts the real server (embedded PGlite in a temp DATA_DIR) on a
 * free port as a child process, and launches Debian's Chromium through playwright-core.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { type Browser, type BrowserContext, chromium, type Locator, type Page } from 'playwright-core';
import { expect } from 'vitest';

export const CHROMIUM = '/usr/bin/chromium';
export const hasChromium = existsSync(CHROMIUM);
const webDir = fileURLToPath(new URL('..', import.meta.url));
const repoDir = path.resolve(webDir, '..');
export const artifactsDir = path.join(webDir, 'e2e', 'artifacts');

export function buildPortal(): void {
  const res = spawnSync(
    process.execPath,
    [path.join(webDir, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', '--logLevel', 'warn'],
    {
      cwd: webDir,
      encoding: 'utf8',
    },
  );
  if (res.status !== 0) throw new Error(`vite build failed:\n${res.stdout}\n${res.stderr}`);
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/**
 * The engines a browser suite runs on: the embedded default always, and PostgreSQL + Redis too when the run
 * has them (TEST_DATABASE_URL / TEST_REDIS_URL, as `.ci/run` sets), so the portal is proven on both.
 */
export type Engine = 'pglite' | 'postgres';
export const engines: Engine[] = process.env.TEST_DATABASE_URL ? ['pglite', 'postgres'] : ['pglite'];

/** A database of its own on the run's PostgreSQL (the server migrates it at start); dropped by `drop()`. */
async function createDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const adminUrl = process.env.TEST_DATABASE_URL ?? '';
  const name = `pocketllm_e2e_${randomBytes(6).toString('hex')}`;
  const admin = async (sql: string) => {
    const client = new pg.Client({ connectionString: adminUrl });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  await admin(`create database ${name}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => admin(`drop database if exists ${name} with (force)`) };
}

export interface RunningServer {
  url: string;
  logs: string[];
  stop(): Promise<void>;
}

export async function startServer(
  env: Record<string, string> = {},
  engine: Engine = 'pglite',
): Promise<RunningServer> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'pocketllm-e2e-'));
  const port = await freePort();
  const database = engine === 'postgres' ? await createDatabase() : null;
  const engineEnv: Record<string, string> = database
    ? {
        DATABASE_URL: database.url,
        ...(process.env.TEST_REDIS_URL
          ? {
              REDIS_URL: process.env.TEST_REDIS_URL,
              REDIS_PREFIX: `pocketllm-e2e:${randomBytes(4).toString('hex')}:`,
            }
          : {}),
      }
    : {};
  const logs: string[] = [];
  const child: ChildProcess = spawn(
    process.execPath,
    ['--import', 'tsx', '--conditions=pocketllm-source', path.join(repoDir, 'server', 'src', 'main.ts')],
    {
      cwd: repoDir,
      env: {
        PATH: process.env.PATH ?? '',
        NODE_ENV: 'development',
        PORT: String(port),
        HOST: '127.0.0.1',
        DATA_DIR: dataDir,
        MODELS_DIR: path.join(dataDir, 'models'),
        JWT_SECRET: 'e2e-jwt-secret-that-is-long-enough-0123456789',
        ENCRYPTION_KEY: 'e2e-encryption-key-that-is-long-enough-012',
        ALLOW_PRIVATE_ENDPOINTS: 'true',
        LOG_LEVEL: 'warn',
        RATE_LIMIT_AUTH_PER_MIN: '10000',
        RATE_LIMIT_CHAT_PER_MIN: '10000',
        ...engineEnv,
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  child.stdout?.on('data', (d) => logs.push(String(d)));
  child.stderr?.on('data', (d) => logs.push(String(d)));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`server exited (${child.exitCode}):\n${logs.join('')}`);
    try {
      if ((await fetch(`${url}/readyz`)).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`server not ready in time:\n${logs.join('')}`);
    await new Promise((r) => setTimeout(r, 250));
  }
  return {
    url,
    logs,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
        if (child.exitCode === null) child.kill('SIGKILL');
      }
      rmSync(dataDir, { recursive: true, force: true });
      await database?.drop().catch(() => {});
    },
  };
}

export function launchBrowser(): Promise<Browser> {
  mkdirSync(artifactsDir, { recursive: true });
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

export const shot = (name: string) => path.join(artifactsDir, `${name}.png`);

/**
 * Collects what goes wrong in `page` into `errors`, for a test to expect it empty: page errors, responses with a
 * status of `minStatus` (400 unless given) or more, and with `console` the console's errors too.
 */
export function watchErrors(
  page: Page,
  errors: string[],
  opts: { minStatus?: number; console?: boolean } = {},
) {
  const minStatus = opts.minStatus ?? 400;
  if (opts.console)
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('response', (r) => {
    if (r.status() >= minStatus) errors.push(`${r.status()} ${r.request().method()} ${r.url()}`);
  });
}

/** A suite's `afterAll`: closes the browser, stops the server and closes the fakes, in that order, skipping what never started. */
export async function closeAll(
  browser: Browser | undefined,
  server: RunningServer | undefined,
  ...fakes: ({ close(): Promise<unknown> } | undefined)[]
): Promise<void> {
  await browser?.close();
  await server?.stop();
  for (const fake of fakes) await fake?.close();
}

/** What every browser suite starts: the portal built, the server on `engine` (with `env`), and Chromium. */
export async function startPortal(
  env: Record<string, string> = {},
  engine: Engine = 'pglite',
): Promise<{ server: RunningServer; browser: Browser }> {
  buildPortal();
  const server = await startServer(env, engine);
  return { server, browser: await launchBrowser() };
}

/** A JSON call to the API: GET without a body, POST with one; anything but a 2xx fails the test. */
export async function apiCall<T>(baseUrl: string, path: string, body?: unknown, token?: string): Promise<T> {
  const res = await fetch(`${baseUrl}/api/v1${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  expect(res.status, path).toBeLessThan(300);
  return (await res.json()) as T;
}

/** Registers a user through the API and, given `provider`, activates OpenAI pointed at it; the access token. */
export async function registerUser(
  baseUrl: string,
  user: { email: string; password: string },
  provider?: { apiKey: string; baseUrl: string },
): Promise<string> {
  const { access_token } = await apiCall<{ access_token: string }>(baseUrl, '/auth/register', user);
  if (provider)
    await apiCall(
      baseUrl,
      '/providers/activate',
      { provider: 'openai', api_key: provider.apiKey, base_url: provider.baseUrl },
      access_token,
    );
  return access_token;
}

const chatsReady = (page: Page): Locator => page.getByRole('textbox', { name: 'Message' });

/** Signs in on the sign-in page at `url` (default /chats); waits for `ready` (the composer by default). */
export async function signIn(
  page: Page,
  baseUrl: string,
  user: { email: string; password: string },
  ready: (page: Page) => Locator = chatsReady,
): Promise<void> {
  await page.goto(`${baseUrl}/chats`);
  await page.getByLabel('Email').fill(user.email);
  await page.getByLabel('Password').fill(user.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await ready(page).waitFor();
}

/** A new context (1280×800 unless `opts` says) with a page signed in; a page error fails the test. */
export async function openSignedIn(
  browser: Browser,
  baseUrl: string,
  user: { email: string; password: string },
  opts: Parameters<Browser['newContext']>[0] = {},
): Promise<[BrowserContext, Page]> {
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 }, ...opts });
  const page = await ctx.newPage();
  page.on('pageerror', (e) => {
    throw e;
  });
  await signIn(page, baseUrl, user);
  return [ctx, page];
}

/** A fresh install's first screen: creates the admin account and waits for the chat list. */
export async function createAdmin(page: Page, baseUrl: string, user: { email: string; password: string }) {
  await page.goto(`${baseUrl}/`);
  await page.getByRole('heading', { name: 'Create the admin account' }).waitFor();
  await page.getByLabel('Email').fill(user.email);
  await page.getByLabel('Password').fill(user.password);
  await page.getByRole('button', { name: 'Create admin account' }).click();
  // The composer, not "New chat": at phone width the chat list is behind the menu button.
  await chatsReady(page).waitFor();
}

/** Share → Create link in the open chat: answers the share dialog and the link it shows. */
export async function createShareLink(page: Page) {
  await page.getByRole('button', { name: 'Share' }).click();
  const dialog = page.getByRole('dialog', { name: 'Share this chat' });
  await dialog.getByRole('button', { name: 'Create link' }).click();
  const link = dialog.getByRole('textbox', { name: 'Link' });
  await link.waitFor();
  return { dialog, url: await link.inputValue() };
}

/** Settings → Providers: adds an OpenAI key pointed at `baseUrl` (a fake) and waits until it is saved. */
export async function addOpenAIKey(page: Page, apiKey: string, baseUrl: string) {
  await page.getByRole('link', { name: 'Settings', exact: true }).click();
  await page.getByRole('button', { name: 'Add OpenAI', exact: true }).click();
  await page.getByLabel('OpenAI API key').fill(apiKey);
  await page.getByLabel('Base URL (optional)').fill(baseUrl);
  await page.getByRole('button', { name: 'Save' }).click();
  await page.getByRole('button', { name: 'Change OpenAI', exact: true }).waitFor();
}
