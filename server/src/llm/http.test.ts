import { describe, expect, it } from 'vitest';
import { kindForStatus, sanitizeMessage, upstreamMessage } from './http.js';

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
});
