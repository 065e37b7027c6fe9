import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig, withDotEnv } from './config.js';

const dir = mkdtempSync(path.join(tmpdir(), 'pocketllm-dotenv-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('.env', () => {
  it('is read when present, and the environment wins over it', () => {
    writeFileSync(
      path.join(dir, '.env'),
      '# a comment\nPORT=9100\nLOG_LEVEL=debug\nJWT_SECRET="from-the-file-0123456789-0123456789"\nexport CACHE_SCOPE=global\n',
    );
    const env = withDotEnv({ PORT: '9200', DATA_DIR: dir, ENCRYPTION_KEY: 'k'.repeat(40) }, dir);
    const { config } = loadConfig(env);
    expect(config.port).toBe(9200);
    expect(config.logLevel).toBe('debug');
    expect(config.jwtSecret).toBe('from-the-file-0123456789-0123456789');
    expect(config.cache.scope).toBe('global');
  });

  it('changes nothing when there is no .env', () => {
    const env = { PORT: '1234' };
    expect(withDotEnv(env, path.join(dir, 'missing'))).toBe(env);
  });

  it('names a bad value from the file like one from the environment', () => {
    writeFileSync(path.join(dir, '.env'), 'LOG_FORMAT=fancy\n');
    expect(() => loadConfig(withDotEnv({ DATA_DIR: dir }, dir))).toThrow(/LOG_FORMAT/);
  });
});
