import {
  createCipheriv,
  createDecipheriv,
  createHash,
  hkdfSync,
  randomBytes,
  timingSafeEqual,
} from 'node:crypto';

/** Random URL-safe token (refresh tokens, invite codes, API keys). */
export const randomToken = (bytes = 32): string => randomBytes(bytes).toString('base64url');

/** Tokens are stored hashed: a leaked table grants nothing. SHA-256 is enough for high-entropy tokens. */
export const hashToken = (token: string): string => createHash('sha256').update(token).digest('base64url');

export function safeEqual(a: string, b: string): boolean {
  const ab = Buffer.from(a);
  const bb = Buffer.from(b);
  return ab.length === bb.length && timingSafeEqual(ab, bb);
}

/** "sk-…a1b2": enough to recognise a key, never enough to use it. */
export function keyPreview(key: string): string {
  const trimmed = key.trim();
  if (trimmed.length <= 8) return '…';
  const dash = trimmed.indexOf('-');
  const prefix = dash > 0 && dash <= 8 ? trimmed.slice(0, dash + 1) : trimmed.slice(0, 3);
  return `${prefix}…${trimmed.slice(-4)}`;
}

export interface Sealed {
  ciphertext: string;
  keyId: string;
}

/** How a stored API key is kept (provider credentials, model configurations, local endpoints). */
export interface SealedApiKey {
  apiKeyEnc: string;
  keyId: string;
  apiKeyPreview: string;
}

/** The columns of a removed key. */
export const NO_API_KEY = { apiKeyEnc: null, keyId: null, apiKeyPreview: null } as const;

/**
 * AES-256-GCM for secrets at rest (provider and endpoint keys). ENCRYPTION_KEY may be a Fernet key or any
 * secret of 32+ characters; the AES key is derived from it with HKDF, and its id is stored with each value
 * so keys can be rotated later.
 */
export class SecretBox {
  private readonly key: Buffer;
  readonly keyId: string;

  constructor(secret: string) {
    if (secret.length < 32) throw new Error('ENCRYPTION_KEY must be at least 32 characters');
    this.key = Buffer.from(hkdfSync('sha256', Buffer.from(secret), 'pocketllm', 'secret-box/v1', 32));
    this.keyId = createHash('sha256').update(this.key).digest('hex').slice(0, 12);
  }

  seal(plaintext: string): Sealed {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    const tag = cipher.getAuthTag();
    return { ciphertext: `v1.${Buffer.concat([iv, tag, body]).toString('base64url')}`, keyId: this.keyId };
  }

  /** An API key as it is stored: sealed, with the id of the key that sealed it and a preview to show. */
  sealApiKey(apiKey: string): SealedApiKey {
    const sealed = this.seal(apiKey);
    return { apiKeyEnc: sealed.ciphertext, keyId: sealed.keyId, apiKeyPreview: keyPreview(apiKey) };
  }

  open(sealed: string): string {
    const [version, payload] = sealed.split('.', 2);
    if (version !== 'v1' || !payload) throw new Error('unknown sealed format');
    const raw = Buffer.from(payload, 'base64url');
    const decipher = createDecipheriv('aes-256-gcm', this.key, raw.subarray(0, 12));
    decipher.setAuthTag(raw.subarray(12, 28));
    return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
  }
}
