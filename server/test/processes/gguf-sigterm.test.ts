import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { writeTinyGguf } from '../fixtures/make-tiny-gguf.js';
import { registerOn } from '../helpers/process-client.js';
import { ensureServerBuilt, startServer } from '../helpers/server-process.js';
import { testEngine } from '../helpers/test-db.js';

// A real server process that has loaded a GGUF model (a chat and its embedding context) ends at SIGTERM
// within its grace, its own way: node-llama-cpp's runtime can wait for a garbage collection to let go of it,
// and the stop bounds that wait (model-manager.ts). Embedded database: one run is enough.
const modelsDir = mkdtempSync(path.join(tmpdir(), 'pocketllm-gguf-sigterm-'));
afterAll(() => rmSync(modelsDir, { recursive: true, force: true }));

describe.runIf(testEngine() === 'pglite')('SIGTERM after GGUF use', () => {
  it('exits 0 inside the grace with the models disposed, not at the forced exit', {
    timeout: 180_000,
  }, async () => {
    await ensureServerBuilt();
    mkdirSync(modelsDir, { recursive: true });
    writeTinyGguf(path.join(modelsDir, 'tiny.gguf'), { seed: 5 });
    const server = await startServer({ MODELS_DIR: modelsDir, SHUTDOWN_GRACE_S: '3' });
    try {
      const user = await registerOn(server);
      const created = await fetch(`${server.url}/v1/api-keys`, {
        method: 'POST',
        headers: { authorization: `Bearer ${user.token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'sigterm' }),
      });
      const { key } = (await created.json()) as { key: string };
      const post = (route: string, body: unknown) =>
        fetch(`${server.url}/openai/v1/${route}`, {
          method: 'POST',
          headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
          body: JSON.stringify(body),
        });
      const chat = await post('chat/completions', {
        model: 'gguf/tiny',
        messages: [{ role: 'user', content: 'Hi' }],
        max_tokens: 4,
      });
      expect(chat.status, await chat.clone().text()).toBe(200);
      const embed = await post('embeddings', { model: 'gguf/tiny', input: ['hello'] });
      expect(embed.status).toBe(200);

      const signalled = performance.now();
      const code = await server.stop('SIGTERM');
      const exitMs = performance.now() - signalled;
      const logs = server.logs.join('\n');
      expect(code).toBe(0);
      // The forced exit comes at the grace plus 5 s and says so; a clean stop is well inside the grace.
      expect(logs).not.toContain('shutdown grace period over');
      expect(exitMs, server.logs.slice(-12).join('\n')).toBeLessThan(3000);
      expect(logs).toMatch(/"item":"gguf-models".*"msg":"stopped"/);
    } finally {
      await server.stop('SIGKILL');
    }
  });
});
