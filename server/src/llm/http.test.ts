import { describe, expect, it } from 'vitest';
import { hidePaths, kindForStatus, redactSecrets, sanitizeMessage, upstreamMessage } from './http.js';

describe('upstream error shaping', () => {
  it('maps HTTP statuses to error kinds', () => {
    expect([401, 403, 429, 400, 404, 422, 500, 502, 529].map(kindForStatus)).toEqual([
      'auth',
      'auth',
      'rate_limited',
      'bad_request',
      'bad_request',
      'bad_request',
      'upstream',
      'upstream',
      'upstream',
    ]);
  });

  it('picks the message out of OpenAI, Anthropic and Ollama error bodies', () => {
    expect(upstreamMessage('{"error":{"message":"model not found","type":"invalid_request_error"}}')).toBe(
      'model not found',
    );
    expect(
      upstreamMessage('{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}'),
    ).toBe('Overloaded');
    expect(upstreamMessage('{"error":"model \\"x\\" not found, try pulling it first"}')).toBe(
      'model "x" not found, try pulling it first',
    );
    expect(upstreamMessage('<html>Bad Gateway</html>')).toBe('<html>Bad Gateway</html>');
  });

  it('masks the key sent and anything shaped like a provider key, on one short line', () => {
    const msg = sanitizeMessage(
      'Bad key my-secret-value\n and sk-proj-abcdefghijklmnop, gsk_0123456789abcdef',
      'my-secret-value',
    );
    expect(msg).toBe('Bad key *** and ***, ***');
    expect(sanitizeMessage('x'.repeat(500), null)).toHaveLength(200);
  });

  it('masks credentials in URLs, bearer tokens, JWTs, Google keys and secret query parameters', () => {
    const jwt = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1MSJ9.c2lnbmF0dXJlLXZhbHVl';
    const msg = redactSecrets(
      `proxy http://admin:hunter2@10.0.0.5:8080/v1 said Authorization: Bearer abcdefghijk123 ${jwt} ` +
        'AIzaSyA-0123456789abcdefghijklmnop https://x.example/v1?api_key=s3cr3t&model=m',
      null,
    );
    expect(msg).not.toMatch(/hunter2|abcdefghijk123|eyJhbGci|AIzaSy|s3cr3t/);
    expect(msg).toContain('http://***@10.0.0.5:8080/v1');
    expect(msg).toContain('Bearer ***');
    expect(msg).toContain('?api_key=***&model=m');
  });

  it('drops an HTML error page and control characters: the caller falls back to the status text', () => {
    expect(sanitizeMessage('<html><body><h1>502 Bad Gateway</h1><hr>nginx</body></html>', null)).toBe('');
    expect(sanitizeMessage('<!DOCTYPE html><title>Oops</title>', null)).toBe('');
    expect(sanitizeMessage('model\u0000 not\u001b[31m found', null)).toBe('model not [31m found');
  });

  it('cuts absolute paths to the file name (llama.cpp and Node name files in full), leaving URLs alone', () => {
    expect(hidePaths("ENOENT: no such file or directory, open '/srv/pocketllm/models/qwen.gguf'")).toBe(
      "ENOENT: no such file or directory, open 'qwen.gguf'",
    );
    // A space ends the match: what is left of a spaced path no longer says where it is.
    expect(hidePaths('failed to open GGUF file "/data/models/a b/x.gguf" (EACCES)')).toBe(
      'failed to open GGUF file "a b/x.gguf" (EACCES)',
    );
    expect(hidePaths('loading /home/me/models/llama-3.gguf failed; see /tmp/log')).toBe(
      'loading llama-3.gguf failed; see log',
    );
    const url = 'http://127.0.0.1:11434/api/chat and https://x.example/v1/models, a/b/c, ratio 1/2';
    expect(hidePaths(url)).toBe(url);
  });
});
