import { render } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { Highlighted } from './SearchBar';

describe('Highlighted', () => {
  it('marks the <b> hits and keeps every other character as text, never HTML', () => {
    const { container } = render(
      <Highlighted snippet={'a <b>cat</b> and <img src=x onerror=alert(1)> <b>cats</b>'} />,
    );
    const marks = [...container.querySelectorAll('mark')].map((m) => m.textContent);
    expect(marks).toEqual(['cat', 'cats']);
    expect(container.querySelector('img')).toBeNull();
    expect(container.textContent).toContain('<img src=x onerror=alert(1)>');
  });
});
