import { describe, expect, it } from 'vitest';
import { guardedDispatcher } from '../../lib/url-policy.js';
import { openImage } from './image-client.js';

describe('downloading a generated image', () => {
  it('refuses an image URL on a cloud-metadata address, even with private addresses allowed', async () => {
    const ctl = new AbortController();
    const err = await openImage(
      { url: 'http://169.254.169.254/latest/meta-data/image.png' },
      { signal: ctl.signal, timeoutMs: 2000, maxBytes: 1024, dispatcher: guardedDispatcher(true) },
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    const chain: string[] = [];
    for (let e: unknown = err; e instanceof Error; e = e.cause) chain.push(`${e.name}: ${e.message}`);
    expect(chain[0]).toMatch(/downloading the generated image failed/);
    // Refused by the URL policy itself, not by the test's network guard.
    expect(chain.join(' | ')).toMatch(/UrlPolicyError|not allowed/i);
    expect(chain.join(' | ')).not.toMatch(/network guard/);
  });
});
