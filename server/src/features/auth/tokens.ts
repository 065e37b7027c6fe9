import { errors, jwtVerify, SignJWT } from 'jose';
import { LRUCache } from 'lru-cache';
import { AppError } from '../../errors.js';

export interface AccessClaims {
  userId: string;
  sessionId: string;
}

/** Short-lived HS256 access tokens. They carry the login session's id, which is checked on every request. */
export class AccessTokens {
  private readonly key: Uint8Array;
  // A token verified once is the same token on its next request: checking its HMAC again (an async WebCrypto
  // job) was the largest cost of an authenticated request. Keyed by the whole token, signature included, so
  // only a token that verified can hit; each entry still ends at the token's own expiry.
  private readonly verified = new LRUCache<string, AccessClaims & { expiresAtMs: number }>({ max: 10_000 });

  constructor(
    secret: string,
    readonly ttlS: number,
  ) {
    this.key = new TextEncoder().encode(secret);
  }

  sign(claims: AccessClaims): Promise<string> {
    return new SignJWT({ sid: claims.sessionId })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setSubject(claims.userId)
      .setIssuedAt()
      .setExpirationTime(`${this.ttlS}s`)
      .setIssuer('pocketllm')
      .sign(this.key);
  }

  /** @throws AppError unauthorized when the token is malformed, forged or expired. */
  async verify(token: string): Promise<AccessClaims> {
    const known = this.verified.get(token);
    if (known) {
      if (known.expiresAtMs > Date.now()) return { userId: known.userId, sessionId: known.sessionId };
      this.verified.delete(token);
    }
    try {
      const { payload } = await jwtVerify(token, this.key, { algorithms: ['HS256'], issuer: 'pocketllm' });
      if (typeof payload.sub !== 'string' || typeof payload.sid !== 'string') throw new Error('claims');
      const claims = { userId: payload.sub, sessionId: payload.sid };
      if (typeof payload.exp === 'number')
        this.verified.set(token, { ...claims, expiresAtMs: payload.exp * 1000 });
      return claims;
    } catch (err) {
      const expired = err instanceof errors.JWTExpired;
      throw new AppError('unauthorized', expired ? 'Access token expired' : 'Invalid access token');
    }
  }
}
