// The dashboard's period: presets (this month, last month, this quarter, this year) or a
// custom from–to, computed from "today" in the company's time zone, and the previous period
// the API compares with (the same number of days just before, as GET /dashboard/summary does).

export type Preset = 'month' | 'last-month' | 'quarter' | 'year' | 'custom';
export type Interval = 'day' | 'week' | 'month';

export const PRESETS: { value: Preset; label: string }[] = [
  { value: 'month', label: 'This month' },
  { value: 'last-month', label: 'Last month' },
  { value: 'quarter', label: 'This quarter' },
  { value: 'year', label: 'This year' },
  { value: 'custom', label: 'Custom' },
];

export const INTERVALS: { value: Interval; label: string }[] = [
  { value: 'day', label: 'Day' },
  { value: 'week', label: 'Week' },
  { value: 'month', label: 'Month' },
];

/** Longest period the API accepts (days, inclusive). */
export const MAX_DAYS = 366;

export interface Period {
  from: string;
  to: string;
}

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** A plain date "2026-03-31" as a UTC midnight Date (null when it is not a real date). */
export function parseDate(s: string): Date | null {
  const m = DATE.exec(s);
  if (!m) return null;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return d.toISOString().slice(0, 10) === s ? d : null;
}

function iso(d: Date): string {
  return d.toISOString().slice(0, 10);
}

function utc(y: number, m: number, day: number): Date {
  return new Date(Date.UTC(y, m, day));
}

export function addDays(s: string, n: number): string {
  const d = parseDate(s);
  if (!d) throw new Error(`not a date: ${s}`);
  return iso(new Date(d.getTime() + n * 86_400_000));
}

/** Days from `from` to `to`, both included. */
export function daysIn({ from, to }: Period): number {
  const a = parseDate(from);
  const b = parseDate(to);
  if (!a || !b) return 0;
  return Math.round((b.getTime() - a.getTime()) / 86_400_000) + 1;
}

/**
 * The period of a preset, given today's date in the company's time zone ("2026-11-18").
 * This month, this quarter and this year run to today (as the API's default period does);
 * last month is the whole month. A custom period is taken as given.
 */
export function presetPeriod(preset: Preset, today: string, custom?: Partial<Period>): Period {
  const t = parseDate(today);
  if (!t) throw new Error(`not a date: ${today}`);
  const y = t.getUTCFullYear();
  const m = t.getUTCMonth();
  switch (preset) {
    case 'month':
      return { from: iso(utc(y, m, 1)), to: today };
    case 'last-month':
      return { from: iso(utc(y, m - 1, 1)), to: iso(utc(y, m, 0)) };
    case 'quarter':
      return { from: iso(utc(y, m - (m % 3), 1)), to: today };
    case 'year':
      return { from: iso(utc(y, 0, 1)), to: today };
    case 'custom':
      return { from: custom?.from || iso(utc(y, m, 1)), to: custom?.to || today };
  }
}

/** The period the API compares with: as many days, ending the day before `from`. */
export function previousPeriod(p: Period): Period {
  const n = daysIn(p);
  return { from: addDays(p.from, -n), to: addDays(p.from, -1) };
}

/** Why a custom period cannot be asked for, or null when it is fine. */
export function periodProblem(p: Period): string | null {
  if (!parseDate(p.from)) return 'Enter the first day of the period.';
  if (!parseDate(p.to)) return 'Enter the last day of the period.';
  if (p.to < p.from) return 'The last day must not be before the first day.';
  if (daysIn(p) > MAX_DAYS) return `A period covers at most ${MAX_DAYS} days.`;
  return null;
}

export function isPreset(v: string | null): v is Preset {
  return PRESETS.some((p) => p.value === v);
}

export function isInterval(v: string | null): v is Interval {
  return INTERVALS.some((p) => p.value === v);
}

/** The interval that suits a period: days up to a month, weeks up to a quarter, else months. */
export function defaultInterval(p: Period): Interval {
  const n = daysIn(p);
  if (n <= 31) return 'day';
  if (n <= 92) return 'week';
  return 'month';
}
