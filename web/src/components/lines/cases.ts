// Rounding cases shared by the unit tests (totals.test.ts) and the live-server comparison
// (e2e/rounding.spec.ts): each is a document's lines in a currency, priced with a rule.
import type { LineInput, Rounding } from './totals';

export interface RoundingCase {
  name: string;
  currency: 'EUR' | 'JPY' | 'KWD';
  lines: LineInput[];
}

const l = (quantity: string, unit_price: number, tax_rate: string, discount?: LineInput['discount']): LineInput => ({
  quantity, unit_price, tax_rate, discount: discount ?? null,
});
const pct = (value: string) => ({ type: 'percent' as const, value });
const amt = (value: number) => ({ type: 'amount' as const, value });

export const ROUNDINGS: Rounding[] = ['half_up', 'half_even'];

export const CASES: RoundingCase[] = [
  { name: 'three at 19.99 EUR, 20 %', currency: 'EUR', lines: [l('3', 1999, '20')] },
  { name: 'midpoint quantities', currency: 'EUR', lines: [l('0.5', 1, '0'), l('2.5', 1, '0'), l('3.5', 1, '0'), l('2.51', 1, '0'), l('2.49', 1, '0')] },
  { name: 'midpoint tax 25 at 10 %', currency: 'EUR', lines: [l('1', 25, '10'), l('1', 35, '10'), l('1', 45, '10')] },
  { name: 'midpoint percent discount', currency: 'EUR', lines: [l('1', 5, '0', pct('50')), l('1', 15, '0', pct('50')), l('3', 7, '10', pct('50'))] },
  { name: 'amount and percent discounts, several rates', currency: 'EUR', lines: [l('4', 2500, '19', amt(1500)), l('1', 999, '20', pct('12.5')), l('2', 1000, '20', pct('100')), l('1.5', 1234, '7.5', pct('10'))] },
  { name: 'many small lines each rounded', currency: 'EUR', lines: Array.from({ length: 40 }, () => l('0.333', 100, '7.5')) },
  { name: 'fractional rates', currency: 'EUR', lines: [l('1', 1005, '5.5'), l('7', 333, '2.1'), l('0.125', 1000, '8.25'), l('1', 10, '15')] },
  { name: 'JPY, 0 decimals', currency: 'JPY', lines: [l('3', 1000, '10'), l('1', 105, '10'), l('1', 115, '10'), l('2.5', 99, '8'), l('1', 1250, '8', pct('2'))] },
  { name: 'JPY midpoints', currency: 'JPY', lines: [l('1', 5, '10'), l('1', 15, '10'), l('0.5', 3, '0'), l('1.5', 3, '0')] },
  { name: 'KWD, 3 decimals', currency: 'KWD', lines: [l('1.5', 1234, '5'), l('2', 1005, '5'), l('1', 2250, '2', pct('10')), l('0.0001', 5000, '0')] },
  { name: 'KWD midpoints and amount discount', currency: 'KWD', lines: [l('1', 10, '5'), l('1', 30, '5'), l('3', 1500, '15', amt(250)), l('1', 1, '50')] },
  { name: 'large amounts', currency: 'EUR', lines: [l('1000000', 9_000_000, '19'), l('999.9999', 12345678, '21')] },
];
