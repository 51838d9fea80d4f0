import { describe, expect, it } from 'vitest';

import { todayIn } from '../../format';
import { daysIn, defaultInterval, periodProblem, presetPeriod, previousPeriod, type Preset } from './period';

// 23:30 UTC on 31 March is already 1 April in Berlin (UTC+2) but still 31 March in New York.
const now = new Date('2026-03-31T23:30:00Z');

describe('presetPeriod and previousPeriod', () => {
  it('takes today in the company time zone', () => {
    expect(todayIn('Europe/Berlin', now)).toBe('2026-04-01');
    expect(todayIn('America/New_York', now)).toBe('2026-03-31');
  });

  const cases: [string, Preset, { from: string; to: string }, { from: string; to: string }][] = [
    // Berlin: today is 1 April 2026.
    ['Europe/Berlin', 'month', { from: '2026-04-01', to: '2026-04-01' }, { from: '2026-03-31', to: '2026-03-31' }],
    ['Europe/Berlin', 'last-month', { from: '2026-03-01', to: '2026-03-31' }, { from: '2026-01-29', to: '2026-02-28' }],
    ['Europe/Berlin', 'quarter', { from: '2026-04-01', to: '2026-04-01' }, { from: '2026-03-31', to: '2026-03-31' }],
    ['Europe/Berlin', 'year', { from: '2026-01-01', to: '2026-04-01' }, { from: '2025-10-02', to: '2025-12-31' }],
    // New York: today is 31 March 2026.
    ['America/New_York', 'month', { from: '2026-03-01', to: '2026-03-31' }, { from: '2026-01-29', to: '2026-02-28' }],
    ['America/New_York', 'last-month', { from: '2026-02-01', to: '2026-02-28' }, { from: '2026-01-04', to: '2026-01-31' }],
    ['America/New_York', 'quarter', { from: '2026-01-01', to: '2026-03-31' }, { from: '2025-10-03', to: '2025-12-31' }],
    ['America/New_York', 'year', { from: '2026-01-01', to: '2026-03-31' }, { from: '2025-10-03', to: '2025-12-31' }],
  ];
  it.each(cases)('%s %s', (zone, preset, period, previous) => {
    const p = presetPeriod(preset, todayIn(zone, now));
    expect(p).toEqual(period);
    expect(previousPeriod(p)).toEqual(previous);
    expect(daysIn(previousPeriod(p))).toBe(daysIn(p));
  });

  it('last month of January is December of the year before', () => {
    expect(presetPeriod('last-month', '2026-01-15')).toEqual({ from: '2025-12-01', to: '2025-12-31' });
    expect(presetPeriod('quarter', '2026-12-31')).toEqual({ from: '2026-10-01', to: '2026-12-31' });
  });

  it('takes a custom period as given, and its previous period is as long', () => {
    const p = presetPeriod('custom', '2026-04-01', { from: '2026-02-10', to: '2026-02-19' });
    expect(p).toEqual({ from: '2026-02-10', to: '2026-02-19' });
    expect(previousPeriod(p)).toEqual({ from: '2026-01-31', to: '2026-02-09' });
  });

  it('refuses impossible custom periods', () => {
    expect(periodProblem({ from: '', to: '2026-02-01' })).toBe('Enter the first day of the period.');
    expect(periodProblem({ from: '2026-02-30', to: '2026-03-01' })).toBe('Enter the first day of the period.');
    expect(periodProblem({ from: '2026-02-10', to: '2026-02-01' })).toBe('The last day must not be before the first day.');
    expect(periodProblem({ from: '2025-01-01', to: '2026-01-02' })).toBe('A period covers at most 366 days.');
    expect(periodProblem({ from: '2024-01-01', to: '2024-12-31' })).toBeNull();
  });

  it('suggests an interval for the length', () => {
    expect(defaultInterval({ from: '2026-03-01', to: '2026-03-31' })).toBe('day');
    expect(defaultInterval({ from: '2026-01-01', to: '2026-03-31' })).toBe('week');
    expect(defaultInterval({ from: '2026-01-01', to: '2026-12-31' })).toBe('month');
  });
});
