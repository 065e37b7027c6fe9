import { describe, expect, it } from 'vitest';
import { SecretBox } from './crypto.js';

describe('SecretBox.sealApiKey', () => {
  it('stores a key sealed, with the sealing key id and a preview, and opens it back', () => {
    const box = new SecretBox('a-test-encryption-key-of-32-characters!');
    const key = 'sk-proj-abcdefghijklmnop1234';
    const stored = box.sealApiKey(key);
    expect(stored.keyId).toBe(box.keyId);
    expect(stored.apiKeyPreview).toBe('sk-…1234');
    expect(stored.apiKeyEnc).not.toContain(key);
    expect(box.open(stored.apiKeyEnc)).toBe(key);
    const other = new SecretBox('another-encryption-key-of-32-characters');
    expect(() => other.open(stored.apiKeyEnc)).toThrow();
  });
});
