import { describe, expect, it } from 'vitest';
import { groupChats, matchTitle } from './chat-groups';

describe('groupChats', () => {
  it('groups by Today, Yesterday, Previous 7 days and Older, keeping the order', () => {
    const now = new Date(2026, 4, 20, 15, 0);
    const at = (d: number, h = 12) => ({
      id: `${d}-${h}`,
      updated_at: new Date(2026, 4, d, h).toISOString(),
    });
    const groups = groupChats([at(20, 14), at(20, 1), at(19), at(15), at(13, 1), at(2)], now);
    expect(groups.map((g) => [g.label, g.chats.map((c) => c.id)])).toEqual([
      ['Today', ['20-14', '20-1']],
      ['Yesterday', ['19-12']],
      ['Previous 7 days', ['15-12', '13-1']],
      ['Older', ['2-12']],
    ]);
  });
});

describe('matchTitle', () => {
  it('matches every word, ignoring case and accents', () => {
    expect(matchTitle('Café in Paris', 'paris cafe')).toBe(true);
    expect(matchTitle('Café in Paris', 'rome')).toBe(false);
    expect(matchTitle(null, 'new')).toBe(true);
  });
});
