import { describe, expect, it } from 'vitest';

import { change, percentFormatter } from './change';

const pct = percentFormatter('en-US');

describe('change', () => {
  it('says up, with the percentage', () => {
    expect(change(1250, 1000, pct)).toMatchObject({ direction: 'up', arrow: '↑', short: '25%', words: 'Up 25% on the previous period', tone: 'good' });
  });
  it('says down, with the percentage', () => {
    expect(change(900, 1200, pct)).toMatchObject({ direction: 'down', arrow: '↓', short: '25%', words: 'Down 25% on the previous period', tone: 'bad' });
    expect(change(1, 3, pct).short).toBe('66.7%');
  });
  it('says no change', () => {
    expect(change(500, 500, pct)).toMatchObject({ direction: 'same', short: '0%', words: 'No change from the previous period', tone: 'neutral' });
  });
  it('says when there was nothing before', () => {
    expect(change(500, 0, pct)).toMatchObject({ direction: 'up', short: 'New', words: 'Up from nothing in the previous period' });
    expect(change(12, null, pct)).toMatchObject({ direction: 'none', short: '–', words: 'No figure to compare with for the previous period' });
    expect(change(null, 12, pct).direction).toBe('none');
  });
  it('fewer days to pay is good news', () => {
    expect(change(10, 20, pct, false)).toMatchObject({ direction: 'down', tone: 'good', words: 'Down 50% on the previous period' });
    expect(change(30, 20, pct, false).tone).toBe('bad');
  });
});
