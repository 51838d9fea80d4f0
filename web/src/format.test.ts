import { describe, expect, it } from 'vitest';

import { formatDate, formatDateTime, formatMoney, minorToDecimal, parseDecimal, parseMoney, todayIn } from './format';

const nbsp = (s: string) => s.replace(/[\u00a0\u202f]/g, ' ');

describe('parseDecimal', () => {
  it('reads the locale decimal separator', () => {
    expect(parseDecimal('1,5', 'de-DE')).toBe('1.5');
    expect(parseDecimal('1.5', 'en-US')).toBe('1.5');
    expect(parseDecimal(' 1.234,50 ', 'de-DE')).toBe('1234.50');
    expect(parseDecimal('1,234.5', 'en-US')).toBe('1234.5');
    expect(parseDecimal('1 234,5', 'fr-FR')).toBe('1234.5');
    expect(parseDecimal('-0,25', 'de-DE')).toBe('-0.25');
    expect(parseDecimal('007', 'en-US')).toBe('7');
  });

  it('refuses what is not a number or is ambiguous', () => {
    expect(parseDecimal('', 'en-US')).toBeNull();
    expect(parseDecimal('abc', 'en-US')).toBeNull();
    expect(parseDecimal('1,5', 'en-US')).toBeNull();
    expect(parseDecimal('1.5', 'de-DE')).toBeNull();
    expect(parseDecimal('1.2.3', 'en-US')).toBeNull();
  });
});

describe('money', () => {
  it('formats minor units in the currency', () => {
    expect(nbsp(formatMoney({ amount: 123456, currency: 'EUR' }, { locale: 'de-DE' }))).toBe('1.234,56 €');
    expect(formatMoney({ amount: 123456, currency: 'USD' }, { locale: 'en-US' })).toBe('$1,234.56');
    expect(nbsp(formatMoney({ amount: 1500, currency: 'JPY' }, { locale: 'ja-JP' }))).toMatch(/1,500/);
    expect(formatMoney({ amount: -5, currency: 'USD' }, { locale: 'en-US' })).toBe('-$0.05');
  });

  it('keeps large amounts exact', () => {
    expect(minorToDecimal(900719925474099, 2)).toBe('9007199254740.99');
  });

  it('parses typed amounts into minor units', () => {
    expect(parseMoney('12,5', 'EUR', 'de-DE')).toBe(1250);
    expect(parseMoney('1,234.56', 'USD', 'en-US')).toBe(123456);
    expect(parseMoney('1500', 'JPY', 'ja-JP')).toBe(1500);
    expect(parseMoney('1.999', 'USD', 'en-US')).toBeNull();
  });
});

describe('dates', () => {
  it('shows plain business dates as they are, whatever the zone', () => {
    expect(formatDate('2026-03-31', { locale: 'en-GB', timeZone: 'Pacific/Auckland' })).toBe('31 Mar 2026');
  });

  it('shows date-times in the given zone', () => {
    expect(formatDateTime('2026-03-31T22:30:00Z', { locale: 'en-GB', timeZone: 'Europe/Berlin' })).toBe(
      '1 Apr 2026, 00:30',
    );
    expect(todayIn('Asia/Tokyo', new Date('2026-03-31T20:00:00Z'))).toBe('2026-04-01');
  });
});
