import { createServer } from 'node:http';
import { describe, expect, it } from 'vitest';
import { PermanentJobError } from '../../job-queue/queue.js';
import { guardedDispatcher } from '../../lib/url-policy.js';
import { openImage, requestImages } from './image-client.js';

const chainOf = (err: unknown) => {
  const chain: string[] = [];
  for (let e: unknown = err; e instanceof Error; e = e.cause) chain.push(`${e.name}: ${e.message}`);
  return chain;
};

describe('downloading a generated image', () => {
  it('refuses an image URL on a cloud-metadata address, even with private addresses allowed', async () => {
    const ctl = new AbortController();
    const err = await openImage(
      { url: 'http://169.254.169.254/latest/meta-data/image.png' },
      { signal: ctl.signal, timeoutMs: 2000, maxBytes: 1024, dispatcher: guardedDispatcher(true) },
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    const chain = chainOf(err);
    expect(chain[0]).toMatch(/downloading the generated image failed/);
    // Refused by the URL policy itself, not by the test's network guard.
    expect(chain.join(' | ')).toMatch(/UrlPolicyError|not allowed/i);
    expect(chain.join(' | ')).not.toMatch(/network guard/);
  });

  it.each([
    'http://169.254.169.254/image.png',
    'http://[::a9fe:a9fe]/image.png',
    'http://[64:ff9b::a9fe:a9fe]/image.png',
  ])('a refusal by the URL policy (%s) is final: the job is not retried', async (url) => {
    const ctl = new AbortController();
    const err = await openImage(
      { url },
      { signal: ctl.signal, timeoutMs: 2000, maxBytes: 1024, dispatcher: guardedDispatcher(true) },
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PermanentJobError);
    expect(chainOf(err).join(' | ')).toMatch(/metadata/);
  });
});

describe('asking for images', () => {
  it('a base URL the policy refuses fails the job at once', async () => {
    const ctl = new AbortController();
    const err = await requestImages(
      {
        provider: 'imagerouter',
        adapter: 'openai-compatible',
        baseUrl: 'http://[::a9fe:a9fe]/v1',
        apiKey: null,
      },
      { prompt: 'x', model: 'm', n: 1, provider: 'imagerouter' },
      { signal: ctl.signal, timeoutMs: 2000, dispatcher: guardedDispatcher(true) },
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PermanentJobError);
    expect(chainOf(err)[0]).toMatch(/base URL is refused.*metadata/);
  });
});

describe('a provider error on an image request', () => {
  it('the job error is the status and a short cleaned message; the body goes to the debug log, redacted', async () => {
    const key = 'sk-image-key-0123456789abcdef';
    const body = `<html><body>400 Bad Request from http://ops:hunter2@10.1.1.1/ for ${key}</body></html>`;
    const server = createServer((_req, res) => res.writeHead(400, { 'content-type': 'text/html' }).end(body));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const addr = server.address();
    if (!addr || typeof addr === 'string') throw new Error('no port');
    const logged: object[] = [];
    const logger = { debug: (obj: object) => void logged.push(obj) };
    try {
      const err = await requestImages(
        {
          provider: 'imagerouter',
          adapter: 'openai-compatible',
          baseUrl: `http://127.0.0.1:${addr.port}/v1`,
          apiKey: key,
        },
        { prompt: 'x', model: 'm', n: 1, provider: 'imagerouter' },
        {
          signal: new AbortController().signal,
          timeoutMs: 2000,
          dispatcher: guardedDispatcher(true),
          logger,
        },
      ).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(PermanentJobError);
      expect(chainOf(err)[0]).toBe('PermanentJobError: imagerouter answered HTTP 400: Bad Request');
      const text = JSON.stringify(logged);
      expect(text).toContain('400 Bad Request from http://***@10.1.1.1/');
      expect(text).not.toMatch(/hunter2|sk-image-key/);
    } finally {
      server.close();
    }
  });
});
