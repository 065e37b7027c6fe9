import { describe, expect, it } from 'vitest';
import { ByteLru } from './byte-lru.js';

const v = (bytes: number, tag = '') => ({ bytes, tag });

describe('ByteLru', () => {
  it('evicts the least recently used entries by bytes, not by count', () => {
    const lru = new ByteLru<ReturnType<typeof v>>(100);
    lru.set('a', v(40));
    lru.set('b', v(40));
    expect(lru.get('a')).toBeDefined(); // a is now the most recent
    lru.set('c', v(40)); // 120 > 100: b goes
    expect(lru.get('b')).toBeUndefined();
    expect(lru.get('a')).toBeDefined();
    expect(lru.get('c')).toBeDefined();
    expect(lru.bytes).toBe(80);
    lru.set('d', v(90)); // only d fits
    expect([lru.size, lru.bytes]).toEqual([1, 90]);
    expect(lru.get('d')).toBeDefined();
  });

  it('does not store an entry larger than the budget, and drops the old value of its key', () => {
    const lru = new ByteLru<ReturnType<typeof v>>(100);
    lru.set('a', v(10, 'old'));
    lru.set('b', v(10));
    expect(lru.set('a', v(101))).toBe(false);
    expect(lru.get('a')).toBeUndefined();
    expect(lru.get('b')).toBeDefined();
    expect(lru.bytes).toBe(10);
  });

  it('replaces an entry and counts its new size', () => {
    const lru = new ByteLru<ReturnType<typeof v>>(100);
    lru.set('a', v(60, 'one'));
    lru.set('a', v(30, 'two'));
    expect(lru.get('a')?.tag).toBe('two');
    expect(lru.bytes).toBe(30);
    lru.delete('a');
    expect([lru.size, lru.bytes]).toEqual([0, 0]);
  });

  it('stores nothing with a budget of 0', () => {
    const lru = new ByteLru<ReturnType<typeof v>>(0);
    expect(lru.set('a', v(1))).toBe(false);
    expect(lru.size).toBe(0);
  });
});
