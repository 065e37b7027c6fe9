import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppError } from '../errors.js';
import {
  assertAllowedUrl,
  classifyAddress,
  createGuardedDispatcher,
  type LookupFn,
  safeFetch,
} from './url-policy.js';

const fixed =
  (map: Record<string, string[]>): LookupFn =>
  async (host) =>
    (map[host] ?? []).map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));

async function refusal(p: Promise<unknown>): Promise<AppError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  if (!(err instanceof AppError)) throw new Error(`expected an AppError, got ${String(err)}`);
  return err;
}

describe('classifyAddress', () => {
  it.each([
    ['169.254.169.254', 'metadata'],
    ['fd00:ec2::254', 'metadata'],
    ['169.254.10.1', 'link-local'],
    ['fe80::1', 'link-local'],
    ['::ffff:169.254.169.254', 'metadata'],
    ['10.1.2.3', 'private'],
    ['172.20.0.1', 'private'],
    ['192.168.1.10', 'private'],
    ['fd12:3456::1', 'private'],
    ['127.0.0.1', 'loopback'],
    ['::1', 'loopback'],
    ['0.0.0.0', 'reserved'],
    ['8.8.8.8', 'public'],
    ['2606:4700::1111', 'public'],
    // IPv6 forms that lead to an IPv4 host are judged as that host.
    ['::a9fe:a9fe', 'metadata'],
    ['::169.254.169.254', 'metadata'],
    ['::ffff:a9fe:a9fe', 'metadata'],
    ['::ffff:0:a9fe:a9fe', 'metadata'],
    ['64:ff9b::a9fe:a9fe', 'metadata'],
    ['64:ff9b:1::a9fe:a9fe', 'metadata'],
    ['2002:a9fe:a9fe::', 'metadata'],
    ['2002:a9fe:a9fe:1:2:3:4:5', 'metadata'],
    ['::7f00:1', 'loopback'],
    ['::127.0.0.1', 'loopback'],
    ['::ffff:7f00:1', 'loopback'],
    ['64:ff9b::7f00:1', 'loopback'],
    ['2002:c0a8:0101::1', 'private'],
    ['::ffff:10.0.0.1', 'private'],
    ['::a9fe:101', 'link-local'],
    ['::0.0.0.2', 'reserved'],
    // Teredo: server 65.54.227.120, client 169.254.169.254 (stored XOR 0xffffffff).
    ['2001:0:4136:e378:8000:63bf:5601:5601', 'metadata'],
    ['2001:0:4136:e378:8000:63bf:3fff:fdd2', 'public'],
    ['2002:5db8:d822::1', 'public'],
    ['64:ff9b::808:808', 'public'],
    ['fec0::1', 'private'],
  ])('%s is %s', (ip, kind) => expect(classifyAddress(ip)).toBe(kind));
});

describe('IPv6 that embeds IPv4', () => {
  it.each([
    'http://[::a9fe:a9fe]/',
    'http://[64:ff9b::a9fe:a9fe]/',
    'http://[2002:a9fe:a9fe::]/',
    'http://[::ffff:169.254.169.254]/',
    'http://[2001:0:4136:e378:8000:63bf:5601:5601]/',
  ])('refuses %s even with private addresses allowed', async (url) => {
    const err = await refusal(assertAllowedUrl(url, { allowPrivate: true }));
    expect(err.code).toBe('url_not_allowed');
    expect(err.message).toMatch(/metadata/);
  });

  it.each([
    'http://[::127.0.0.1]:11434',
    'http://[::ffff:127.0.0.1]:11434',
    'http://[64:ff9b::7f00:1]/',
    'http://[2002:0a00:0001::]/',
  ])('refuses %s in production (private addresses off)', async (url) => {
    const err = await refusal(assertAllowedUrl(url, { allowPrivate: false }));
    expect(err.message).toMatch(/loopback|private/);
  });

  it('refuses a name whose AAAA record is a NAT64 form of the metadata address', async () => {
    const lookup = fixed({ 'nat64.example': ['64:ff9b::a9fe:a9fe'] });
    const err = await refusal(assertAllowedUrl('http://nat64.example/', { allowPrivate: true, lookup }));
    expect(err.message).toContain('resolves to 64:ff9b::a9fe:a9fe');
  });
});

describe('assertAllowedUrl', () => {
  it('refuses the metadata IP even when private addresses are allowed, naming base_url', async () => {
    const err = await refusal(
      assertAllowedUrl('http://169.254.169.254/latest/meta-data', { allowPrivate: true }),
    );
    expect(err.code).toBe('url_not_allowed');
    expect(err.status).toBe(400);
    expect(err.message).toMatch(/^base_url: .*metadata/);
    expect(err.details).toEqual({ field: 'base_url' });
  });

  it('refuses metadata host names without resolving them', async () => {
    const lookup: LookupFn = async () => {
      throw new Error('must not resolve');
    };
    const err = await refusal(
      assertAllowedUrl('http://metadata.google.internal/', { allowPrivate: true, lookup }),
    );
    expect(err.message).toMatch(/metadata/);
  });

  it('refuses a hostname that resolves to the metadata address', async () => {
    const lookup = fixed({ 'innocent.example': ['93.184.216.34', '169.254.169.254'] });
    const err = await refusal(
      assertAllowedUrl('https://innocent.example/v1', { allowPrivate: true, lookup }),
    );
    expect(err.message).toContain('resolves to 169.254.169.254');
  });

  it('allows private and loopback only when the flag is on', async () => {
    const lookup = fixed({ 'ollama.lan': ['192.168.1.20'] });
    await expect(
      assertAllowedUrl('http://ollama.lan:11434', { allowPrivate: true, lookup }),
    ).resolves.toBeInstanceOf(URL);
    await expect(assertAllowedUrl('http://127.0.0.1:11434', { allowPrivate: true })).resolves.toBeInstanceOf(
      URL,
    );
    const err = await refusal(assertAllowedUrl('http://ollama.lan:11434', { allowPrivate: false, lookup }));
    expect(err.message).toMatch(/private network address.*ALLOW_PRIVATE_ENDPOINTS/);
    await refusal(assertAllowedUrl('http://[::1]:8080', { allowPrivate: false }));
    await refusal(assertAllowedUrl('http://10.0.0.8', { allowPrivate: false }));
  });

  it('accepts a name that does not resolve only when asked to (the connector checks it later)', async () => {
    const lookup: LookupFn = async () => {
      throw Object.assign(new Error('getaddrinfo ENOTFOUND nas.lan'), { code: 'ENOTFOUND' });
    };
    expect(
      (await refusal(assertAllowedUrl('http://nas.lan:11434', { allowPrivate: true, lookup }))).message,
    ).toMatch(/cannot resolve nas.lan/);
    await expect(
      assertAllowedUrl('http://nas.lan:11434', { allowPrivate: true, lookup, allowUnresolved: true }),
    ).resolves.toBeInstanceOf(URL);
    const metadata = fixed({ 'nas.lan': ['169.254.169.254'] });
    await refusal(
      assertAllowedUrl('http://nas.lan', { allowPrivate: true, lookup: metadata, allowUnresolved: true }),
    );
  });

  it('allows public addresses and refuses other schemes, credentials and custom field names', async () => {
    const lookup = fixed({ 'api.example.com': ['93.184.216.34'] });
    await expect(
      assertAllowedUrl('https://api.example.com/v1', { allowPrivate: false, lookup }),
    ).resolves.toBeTruthy();
    expect((await refusal(assertAllowedUrl('file:///etc/passwd', { allowPrivate: true }))).message).toMatch(
      /http/,
    );
    expect((await refusal(assertAllowedUrl('http://u:p@127.0.0.1', { allowPrivate: true }))).message).toMatch(
      /credentials/,
    );
    const err = await refusal(assertAllowedUrl('nope', { allowPrivate: true, field: 'items.0.baseUrl' }));
    expect(err.details).toEqual({ field: 'items.0.baseUrl' });
  });
});

describe('safeFetch', () => {
  let server: Server;
  let base: string;
  const hits: string[] = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      hits.push(req.url ?? '');
      if (req.url === '/to-metadata')
        res.writeHead(302, { location: 'http://169.254.169.254/latest/meta-data' }).end();
      else if (req.url === '/to-embedded') res.writeHead(302, { location: 'http://[::a9fe:a9fe]/x' }).end();
      else if (req.url === '/to-evil-name') res.writeHead(307, { location: 'http://evil.example/x' }).end();
      else if (req.url === '/hop') res.writeHead(302, { location: '/ok' }).end();
      else if (req.url === '/loop') res.writeHead(302, { location: '/loop' }).end();
      else res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ ok: req.url }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const addr = server.address();
    if (!addr || typeof addr === 'string') throw new Error('no port');
    base = `http://127.0.0.1:${addr.port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('follows an allowed redirect', async () => {
    const res = await safeFetch(`${base}/hop`, {}, { allowPrivate: true });
    expect(await res.json()).toEqual({ ok: '/ok' });
  });

  it('refuses a redirect from a loopback server to the metadata address', async () => {
    const err = await refusal(safeFetch(`${base}/to-metadata`, {}, { allowPrivate: true }));
    expect(err.code).toBe('url_not_allowed');
    expect(err.message).toMatch(/^base_url: redirects to a refused URL.*metadata/);
  });

  it('refuses a redirect to an IPv6 form of the metadata address', async () => {
    const err = await refusal(safeFetch(`${base}/to-embedded`, {}, { allowPrivate: true }));
    expect(err.message).toMatch(/^base_url: redirects to a refused URL.*metadata/);
  });

  it('refuses a redirect to a name that resolves to the metadata address', async () => {
    const lookup = fixed({ 'evil.example': ['169.254.169.254'] });
    const err = await refusal(safeFetch(`${base}/to-evil-name`, {}, { allowPrivate: true, lookup }));
    expect(err.message).toContain('resolves to 169.254.169.254');
  });

  it('stops after 5 redirects', async () => {
    hits.length = 0;
    const err = await refusal(safeFetch(`${base}/loop`, {}, { allowPrivate: true }));
    expect(err.message).toMatch(/more than 5 redirects/);
    expect(hits).toHaveLength(6);
  });

  it('checks the address again at connect time (DNS rebinding)', async () => {
    // First answer passes the URL check; the connector's own lookup gets the metadata address.
    let calls = 0;
    const rebinding: LookupFn = async () => [
      { address: calls++ === 0 ? '127.0.0.1' : '169.254.169.254', family: 4 },
    ];
    const port = new URL(base).port;
    const err = await refusal(
      safeFetch(`http://rebind.example:${port}/ok`, {}, { allowPrivate: true, lookup: rebinding }),
    );
    expect(err.message).toMatch(/metadata/);
    expect(calls).toBe(2);
  });

  it('connects to the checked address for a name (pinned, no second resolution by the OS)', async () => {
    const port = new URL(base).port;
    const lookup = fixed({ 'my-ollama.lan': ['127.0.0.1'] });
    const res = await safeFetch(`http://my-ollama.lan:${port}/named`, {}, { allowPrivate: true, lookup });
    expect(await res.json()).toEqual({ ok: '/named' });
    await refusal(safeFetch(`http://my-ollama.lan:${port}/named`, {}, { allowPrivate: false, lookup }));
  });

  it('refuses at connect time a name that now resolves to an IPv6 form of the metadata address', async () => {
    const port = new URL(base).port;
    for (const address of ['64:ff9b::a9fe:a9fe', '::a9fe:a9fe', '2002:a9fe:a9fe::1']) {
      const dispatcher = createGuardedDispatcher({
        allowPrivate: true,
        lookup: async () => [{ address, family: 6 }],
      });
      const init = { method: 'GET', dispatcher };
      await expect(fetch(`http://sneaky.example:${port}/`, init)).rejects.toMatchObject({
        cause: { name: 'UrlPolicyError', message: expect.stringMatching(/metadata/) },
      });
    }
  });

  it('works as the dispatcher of the global fetch (what the LLM adapters use)', async () => {
    const metadata = fixed({ 'meta.example': ['169.254.169.254'] });
    const port = new URL(base).port;
    const open = { method: 'GET', dispatcher: createGuardedDispatcher({ allowPrivate: true }) };
    expect(await (await fetch(`${base}/global`, open)).json()).toEqual({ ok: '/global' });
    const strict = { method: 'GET', dispatcher: createGuardedDispatcher({ allowPrivate: false }) };
    await expect(fetch(`${base}/global`, strict)).rejects.toMatchObject({
      cause: { name: 'UrlPolicyError' },
    });
    const named = {
      method: 'GET',
      dispatcher: createGuardedDispatcher({ allowPrivate: true, lookup: metadata }),
    };
    await expect(fetch(`http://meta.example:${port}/`, named)).rejects.toMatchObject({
      cause: { name: 'UrlPolicyError' },
    });
  });
});
