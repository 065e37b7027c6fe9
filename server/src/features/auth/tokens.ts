import { errors, jwtVerify, SignJWT } from 'jose';
import { AppError } from '../../errors.js';

export interface AccessClaims {
  userId: string;
  sessionId: string;
}

/** Short-lived HS256 access tokens. They carry the login session's id, which is checked on every request. */
export class AccessTokens {
  private readonly key: Uint8Array;

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
    try {
      const { payload } = await jwtVerify(token, this.key, { algorithms: ['HS256'], issuer: 'pocketllm' });
      if (typeof payload.sub !== 'string' || typeof payload.sid !== 'string') throw new Error('claims');
      return { userId: payload.sub, sessionId: payload.sid };
    } catch (err) {
      const expired = err instanceof errors.JWTExpired;
      throw new AppError('unauthorized', expired ? 'Access token expired' : 'Invalid access token');
    }
  }
}
