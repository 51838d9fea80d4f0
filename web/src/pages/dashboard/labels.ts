// Words for the dashboard: the periods of a trend, short axis values, the activity links.
import type { Schema } from '../../api/types';
import { minorDigits } from '../../format';
import type { Interval } from './period';

const MONTH = /^(\d{4})-(\d{2})$/;
const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;

/** A trend point's period in words: "18 Nov" (day), "Week of 16 Nov" (week), "Nov 2026" (month). */
export function periodLabel(period: string, interval: Interval, locale?: string, long = false): string {
  const month = MONTH.exec(period);
  if (month) {
    const d = new Date(Date.UTC(Number(month[1]), Number(month[2]) - 1, 1));
    return new Intl.DateTimeFormat(locale, { month: long ? 'long' : 'short', year: 'numeric', timeZone: 'UTC' }).format(d);
  }
  const day = DAY.exec(period);
  if (!day) return period;
  const d = new Date(Date.UTC(Number(day[1]), Number(day[2]) - 1, Number(day[3])));
  const text = new Intl.DateTimeFormat(locale, {
    day: 'numeric',
    month: 'short',
    ...(long ? { year: 'numeric' } : {}),
    timeZone: 'UTC',
  }).format(d);
  return interval === 'week' ? `Week of ${text}` : text;
}

/** A short money value for an axis: 123456 EUR minor units => "€1.2K". */
export function shortMoney(amount: number, currency: string, locale?: string): string {
  const value = amount / 10 ** minorDigits(currency);
  return new Intl.NumberFormat(locale, { style: 'currency', currency, notation: 'compact', maximumFractionDigits: 1 }).format(value);
}

export function shortCount(value: number, locale?: string): string {
  return new Intl.NumberFormat(locale, { notation: 'compact', maximumFractionDigits: 1 }).format(value);
}

type Activity = Schema<'Activity'>;

/** The page of the record an activity entry names, or null when it has none. */
export function activityLink(a: Activity): string | null {
  const id = encodeURIComponent(a.entity_id);
  switch (a.entity_type) {
    case 'customer':
      return `/customers/${id}`;
    case 'product':
      return `/products/${id}`;
    case 'order':
      return `/orders/${id}`;
    case 'invoice':
      return `/invoices/${id}`;
    case 'settings':
      return '/settings';
    default:
      return null;
  }
}
