import { describe, expect, it } from 'vitest';
import { contentTokens, normalizePrompt } from './normalize.js';
import { lexicalSimilarity } from './similarity.js';

const sim = (a: string, b: string) => lexicalSimilarity(contentTokens(a), contentTokens(b));

describe('prompt similarity', () => {
  it('normalizes case, white space and trailing punctuation', () => {
    expect(normalizePrompt('  What IS   the capital of France?!  ')).toBe('what is the capital of france');
  });

  it('matches paraphrases that add or drop words', () => {
    expect(sim('What is the capital of France?', "Which city is France's capital?")).toBeGreaterThanOrEqual(
      0.6,
    );
    expect(sim('How do I reverse a list in Python?', 'python: reverse list')).toBe(1);
  });

  it('never matches a swapped word, number, direction or acronym', () => {
    expect(sim('What is the capital of France?', 'What is the capital of Spain?')).toBe(0);
    expect(sim('What is 15 times 23?', 'What is 15 times 24?')).toBe(0);
    expect(sim('Convert 10 miles to kilometers', 'Convert 10 kilometers to miles')).toBe(0);
    expect(sim('What does HTTP stand for?', 'What does HTTPS stand for?')).toBe(0);
    expect(sim('Sort numbers in ascending order', 'Sort numbers in descending order')).toBe(0);
  });
});
