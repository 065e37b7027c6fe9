import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Expiring links to private files (`?expires=<unix s>&sig=<hmac>`) so an `<img src>` works without a
 * token. The key is derived from the JWT secret, so it is never the secret itself.
 */
export class UrlSigner {
  private readonly key: Buffer;

  constructor(secret: string) {
    this.key = createHmac('sha256', secret).update('pocketllm:file-urls:v1').digest();
  }

  private mac(fileId: string, expires: number): string {
    return createHmac('sha256', this.key).update(`${fileId}:${expires}`).digest('base64url');
  }

  sign(path: string, fileId: string, ttlS: number, now = Date.now()): string {
    const expires = Math.floor(now / 1000) + ttlS;
    return `${path}?expires=${expires}&sig=${this.mac(fileId, expires)}`;
  }

  verify(fileId: string, expires: number | undefined, sig: string | undefined, now = Date.now()): boolean {
    if (expires === undefined || !sig || expires * 1000 < now) return false;
    const expected = Buffer.from(this.mac(fileId, expires));
    const given = Buffer.from(sig);
    return given.length === expected.length && timingSafeEqual(given, expected);
  }
}
