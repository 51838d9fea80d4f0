// Formatting and parsing with Intl. Pure functions: pass the locale and time zone, or use
// `useFormat()` (src/company.ts), which binds the browser's locale and the company's zone.
//
// The API takes money as integer minor units (`Money { amount: 1999, currency: 'EUR' }`) and
// quantities, tax rates and percentages as decimal strings (`"2.5"`).
import type { Money } from './api/types';

export interface FormatOptions {
  /** BCP 47 locale; the browser's when absent. */
  locale?: string;
  /** IANA time zone for date-times; the browser's when absent. */
  timeZone?: string;
}

const cache = new Map<string, Intl.NumberFormat | Intl.DateTimeFormat>();
function numberFormat(locale: string | undefined, options: Intl.NumberFormatOptions): Intl.NumberFormat {
  const key = `n|${locale ?? ''}|${JSON.stringify(options)}`;
  let f = cache.get(key);
  if (!f) cache.set(key, (f = new Intl.NumberFormat(locale, options)));
  return f as Intl.NumberFormat;
}
function dateFormat(locale: string | undefined, options: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  const key = `d|${locale ?? ''}|${JSON.stringify(options)}`;
  let f = cache.get(key);
  if (!f) cache.set(key, (f = new Intl.DateTimeFormat(locale, options)));
  return f as Intl.DateTimeFormat;
}

/**
 * Makes a number and a date-time formatter of the browser's locale, in a task of its own, and
 * resolves after it: a page's first Intl formatter loads the browser's ICU locale data, which
 * takes tens of milliseconds (more on a phone). Done while the main thread would wait anyway,
 * instead of in a page's first render: by src/main.tsx while a signed-in page waits for its
 * first answers and React's download, and by the sign-in page while the password is checked.
 */
export function warmUpIntl(locale: string | undefined = globalThis.navigator?.language): Promise<void> {
  return new Promise((resolve) =>
    setTimeout(() => {
      try {
        formatNumber(0, { locale });
        formatDateTime(new Date(0).toISOString(), { locale });
      } finally {
        resolve();
      }
    }),
  );
}

/** Digits after the decimal point of a currency (EUR 2, JPY 0, KWD 3). */
export function minorDigits(currency: string): number {
  return numberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
}

/** Integer minor units as an exact decimal string: (123456, 2) => "1234.56". */
export function minorToDecimal(amount: number, digits: number): string {
  const negative = amount < 0;
  const s = Math.abs(Math.trunc(amount)).toString().padStart(digits + 1, '0');
  const whole = digits ? `${s.slice(0, -digits)}.${s.slice(-digits)}` : s;
  return negative ? `-${whole}` : whole;
}

/** Money in its currency: `{amount: 123456, currency: 'EUR'}` => "1.234,56 €" in de-DE. */
export function formatMoney(money: Money, { locale }: FormatOptions = {}): string {
  const digits = minorDigits(money.currency);
  const decimal = minorToDecimal(money.amount, digits) as Intl.StringNumericLiteral;
  return numberFormat(locale, { style: 'currency', currency: money.currency }).format(decimal);
}

/** A number, or a decimal string of the API ("2.5"), in the locale. */
export function formatNumber(
  value: number | string,
  { locale, maximumFractionDigits = 6 }: FormatOptions & { maximumFractionDigits?: number } = {},
): string {
  return numberFormat(locale, { maximumFractionDigits }).format(value as number | Intl.StringNumericLiteral);
}

/** A percentage given in percent as the API does ("20" or "7.5") => "20 %" / "7.5%". */
export function formatPercent(value: number | string, { locale }: FormatOptions = {}): string {
  const n = typeof value === 'number' ? value : Number(value);
  return numberFormat(locale, { style: 'percent', maximumFractionDigits: 4 }).format(n / 100);
}

const PLAIN_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/**
 * A date. A plain date of the API ("2026-03-31", a business date already in the company's
 * zone) is shown as is; a date-time ("2026-03-31T22:30:00Z") as its date in `timeZone`.
 */
export function formatDate(value: string, { locale, timeZone }: FormatOptions = {}): string {
  const plain = PLAIN_DATE.exec(value);
  if (plain) {
    const [, y, m, d] = plain;
    const utc = new Date(Date.UTC(Number(y), Number(m) - 1, Number(d)));
    return dateFormat(locale, { dateStyle: 'medium', timeZone: 'UTC' }).format(utc);
  }
  return dateFormat(locale, { dateStyle: 'medium', timeZone }).format(new Date(value));
}

/** A date-time (RFC 3339) in `timeZone`: "31 Mar 2026, 23:30". */
export function formatDateTime(value: string, { locale, timeZone }: FormatOptions = {}): string {
  return dateFormat(locale, { dateStyle: 'medium', timeStyle: 'short', timeZone }).format(new Date(value));
}

/** Today's date in `timeZone` as the API writes dates ("2026-03-31"). */
export function todayIn(timeZone?: string, now: Date = new Date()): string {
  return dateFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(now);
}

function separators(locale?: string): { group: string; decimal: string } {
  const parts = numberFormat(locale, { useGrouping: true }).formatToParts(1234567.5);
  return {
    group: parts.find((p) => p.type === 'group')?.value ?? ',',
    decimal: parts.find((p) => p.type === 'decimal')?.value ?? '.',
  };
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * A number as a person types it in their locale => the decimal string the API expects, or
 * null when it is not a number. "1,5" (de-DE) and "1.5" (en-US) => "1.5"; "1.234,5" (de-DE)
 * => "1234.5". Group separators count only in their places, so "1.5" in de-DE is refused
 * rather than read as 15. The dot is always accepted as the decimal point when the input has
 * no other separator and the locale does not group with dots.
 */
export function parseDecimal(input: string, locale?: string): string | null {
  const { group, decimal } = separators(locale);
  let s = input.trim().replace(/[\u2212\u2013]/g, '-');
  // Spaces of any kind are grouping in many locales (fr-FR uses U+202F).
  const spaceGroup = /\s/.test(group);
  if (spaceGroup) s = s.replace(/[\s\u00a0\u202f]/g, ' ');
  const g = spaceGroup ? ' ' : group;
  const sign = s.startsWith('-') ? '-' : '';
  if (sign || s.startsWith('+')) s = s.slice(1);
  const grouped = new RegExp(`^(\\d{1,3}(?:${escape(g)}\\d{3})+|\\d+)(?:${escape(decimal)}(\\d+))?$`);
  let match = grouped.exec(s);
  if (!match && decimal !== '.' && g !== '.') match = /^(\d+)(?:\.(\d+))?$/.exec(s);
  if (!match || match[1] === undefined) return null;
  const whole = match[1].split(g).join('').replace(/^0+(?=\d)/, '');
  const fraction = match[2];
  const result = fraction ? `${whole}.${fraction}` : whole;
  return sign && /[1-9]/.test(result) ? `-${result}` : result;
}

/**
 * A money amount as typed => integer minor units of `currency`, or null when it is not a
 * number or has more decimals than the currency ("12,5" EUR in de-DE => 1250).
 */
export function parseMoney(input: string, currency: string, locale?: string): number | null {
  const decimal = parseDecimal(input, locale);
  if (decimal === null) return null;
  const digits = minorDigits(currency);
  const [whole = '0', fraction = ''] = decimal.replace('-', '').split('.');
  if (fraction.length > digits) return null;
  const minor = Number(whole + fraction.padEnd(digits, '0'));
  if (!Number.isSafeInteger(minor)) return null;
  return decimal.startsWith('-') ? -minor : minor;
}

/** Minor units back to what a person edits in their locale: (1250, 'EUR', 'de-DE') => "12,50". */
export function moneyInputValue(amount: number, currency: string, locale?: string): string {
  const digits = minorDigits(currency);
  return numberFormat(locale, { minimumFractionDigits: digits, maximumFractionDigits: digits, useGrouping: false }).format(
    minorToDecimal(amount, digits) as Intl.StringNumericLiteral,
  );
}

/** A decimal string of the API back to what a person edits: ("2.5", 'de-DE') => "2,5". */
export function decimalInputValue(value: string, locale?: string): string {
  const { decimal } = separators(locale);
  return value.replace('.', decimal);
}
