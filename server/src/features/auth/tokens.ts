import { errors, jwtVerify, SignJWT } from 'jose';
import { LRUCache } from 'lru-cache';
import { AppError } from '../../errors.js';

export interface AccessClaims {
  userId: string;
  sessionId: string;
}

const CLOCK_TOLERANCE_S = 5;

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

  /**
   * A token must say when it was made and when it ends, and be no older than the access-token lifetime: a
   * token signed with the real key but without `exp` (or with a far one) would otherwise work for ever.
   * @throws AppError unauthorized when the token is malformed, forged, expired or older than ttlS.
   */
  async verify(token: string): Promise<AccessClaims> {
    const known = this.verified.get(token);
    if (known) {
      if (known.expiresAtMs > Date.now()) return { userId: known.userId, sessionId: known.sessionId };
      this.verified.delete(token);
    }
    try {
      const { payload } = await jwtVerify(token, this.key, {
        algorithms: ['HS256'],
        issuer: 'pocketllm',
        requiredClaims: ['exp', 'iat', 'sub'],
        maxTokenAge: this.ttlS,
        // Several instances sign and verify: a few seconds of clock difference must not reject fresh tokens.
        clockTolerance: CLOCK_TOLERANCE_S,
      });
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
