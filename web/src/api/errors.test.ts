import { describe, expect, it } from 'vitest';
import { ApiError } from './client';
import { plainError } from './errors';

describe('plainError', () => {
  it('says "no model" in one plain sentence with the way to Settings → Providers', () => {
    const p = plainError(
      new ApiError(400, 'no_model_configured', 'No model… or send `provider` and `model` with the message.'),
    );
    expect(p.text).not.toMatch(/`|provider` and/);
    expect(p.text).toMatch(/provider key/);
    expect(p.action).toEqual({ label: 'Open Settings → Providers', to: '/settings/providers' });
  });

  it('keeps a validation message readable, without the field prefix or backticks', () => {
    expect(
      plainError(new ApiError(400, 'validation_error', 'title: must be at most 200 characters')).text,
    ).toBe('Must be at most 200 characters.');
  });

  it('turns server faults, proxies and network failures into a sentence with a way on', () => {
    expect(plainError(new ApiError(500, 'internal_error', 'boom', null, 'req-1')).text).toContain(
      'reference req-1',
    );
    expect(plainError(new ApiError(502, 'http_502', 'Bad Gateway')).text).toMatch(/starting/);
    expect(plainError(new TypeError('Failed to fetch')).text).toMatch(/could not be reached/);
    expect(plainError(new ApiError(429, 'rate_limited', 'Too many messages; try again in 12 s')).text).toBe(
      'That was a lot at once. Try again in 12 seconds.',
    );
  });

  it("reads a failed answer's stored error", () => {
    expect(plainError({ code: 'provider_timeout', message: 'x' }).text).toMatch(/took too long/);
  });
});
