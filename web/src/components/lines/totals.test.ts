import { describe, expect, it } from 'vitest';

import { CASES, ROUNDINGS } from './cases';
import { allocateTax, computeTotals, documentTotals, parseDec, priceLine, rateKey, roundDiv, type LineInput, type Rounding } from './totals';

const line = (quantity: string, unit_price: number, tax_rate: string, discount: LineInput['discount'] = null): LineInput => ({
  quantity, unit_price, tax_rate, discount,
});
const amounts = (i: LineInput, r: Rounding = 'half_up') => {
  const p = priceLine(i, r);
  if (!p.ok) throw new Error(p.error.message);
  const a = p.amounts;
  return [a.gross, a.discount_amount, a.net, a.tax, a.total];
};

describe('roundDiv', () => {
  it('rounds midpoints away from zero (half_up) or to even (half_even)', () => {
    expect(roundDiv(5n, 10n, 'half_up')).toBe(1n);
    expect(roundDiv(5n, 10n, 'half_even')).toBe(0n);
    expect(roundDiv(25n, 10n, 'half_up')).toBe(3n);
    expect(roundDiv(25n, 10n, 'half_even')).toBe(2n);
    expect(roundDiv(35n, 10n, 'half_even')).toBe(4n);
    expect(roundDiv(-25n, 10n, 'half_up')).toBe(-3n);
    expect(roundDiv(-25n, 10n, 'half_even')).toBe(-2n);
    expect(roundDiv(251n, 100n, 'half_even')).toBe(3n);
    expect(roundDiv(249n, 100n, 'half_up')).toBe(2n);
    expect(roundDiv(7n, 1n, 'half_even')).toBe(7n);
  });
});

describe('priceLine mirrors money.rs', () => {
  it('3 × 19.99 at 20 %', () => expect(amounts(line('3', 1999, '20'))).toEqual([5997, 0, 5997, 1199, 7196]));
  it('full percent discount', () => expect(amounts(line('2', 1000, '20', { type: 'percent', value: '100' }))).toEqual([2000, 2000, 0, 0, 0]));
  it('amount discount', () => {
    expect(amounts(line('4', 2500, '19', { type: 'amount', value: 1500 }))).toEqual([10000, 1500, 8500, 1615, 10115]);
    expect(amounts(line('4', 2500, '19', { type: 'amount', value: 10000 }))).toEqual([10000, 10000, 0, 0, 0]);
  });
  it('percent discount rounded, then taxed on the net', () =>
    expect(amounts(line('1', 999, '20', { type: 'percent', value: '12.5' }))).toEqual([999, 125, 874, 175, 1049]));
  it('midpoints: half_up vs half_even', () => {
    const g = (q: string, r: Rounding) => amounts(line(q, 1, '0'), r)[0];
    expect([g('0.5', 'half_up'), g('0.5', 'half_even')]).toEqual([1, 0]);
    expect([g('2.5', 'half_up'), g('2.5', 'half_even')]).toEqual([3, 2]);
    expect([g('3.5', 'half_up'), g('3.5', 'half_even')]).toEqual([4, 4]);
    expect([g('2.51', 'half_even'), g('2.49', 'half_up')]).toEqual([3, 2]);
    expect(amounts(line('1', 25, '10'), 'half_up')).toEqual([25, 0, 25, 3, 28]);
    expect(amounts(line('1', 25, '10'), 'half_even')).toEqual([25, 0, 25, 2, 27]);
    expect(amounts(line('1', 5, '0', { type: 'percent', value: '50' }), 'half_up')).toEqual([5, 3, 2, 0, 2]);
    expect(amounts(line('1', 5, '0', { type: 'percent', value: '50' }), 'half_even')).toEqual([5, 2, 3, 0, 3]);
  });
  it('JPY (0 decimals) and KWD (3 decimals) are minor units like any other', () => {
    expect(amounts(line('3', 1000, '10'))).toEqual([3000, 0, 3000, 300, 3300]);
    for (const r of ['half_up', 'half_even'] as const) expect(amounts(line('1.5', 1234, '5'), r)).toEqual([1851, 0, 1851, 93, 1944]);
  });
  it('normalises trailing zeros and accepts the boundaries', () => {
    expect(amounts(line('1.50000', 100, '20.00000', { type: 'percent', value: '10.000000' }))).toEqual([150, 15, 135, 27, 162]);
    expect(amounts(line('0.0001', 10000, '0'))[0]).toBe(1);
    expect(amounts(line('1000000', 1, '0'))[0]).toBe(1_000_000);
    expect(amounts(line('1', 10_000_000_000_000, '0'))[0]).toBe(10_000_000_000_000);
    expect(amounts(line('1', 100, '100', { type: 'percent', value: '0' }))).toEqual([100, 0, 100, 100, 200]);
  });
  it('refuses what the server refuses, with its messages', () => {
    const err = (i: LineInput) => {
      const p = priceLine(i, 'half_up');
      return p.ok ? null : p.error.field;
    };
    for (const q of ['0', '0.0000', '-1', '0.00001', '1.00001', '1000000.0001', '1000001', 'abc', '']) expect(err(line(q, 100, '0'))).toBe('quantity');
    expect(err(line('1', -1, '0'))).toBe('unit_price');
    expect(err(line('1', 10_000_000_000_001, '0'))).toBe('unit_price');
    expect(err(line('1', 100, '100.0001'))).toBe('tax_rate');
    expect(err(line('1', 100, '-1'))).toBe('tax_rate');
    expect(err(line('1', 100, '0', { type: 'percent', value: '101' }))).toBe('discount');
    expect(err(line('1', 100, '0', { type: 'amount', value: 101 }))).toBe('discount');
    expect(err(line('1', 100, '0', { type: 'amount', value: -1 }))).toBe('discount');
    const p = priceLine(line('0', 1, '0'), 'half_up');
    expect(p.ok ? '' : p.error.message).toBe('quantity must be greater than 0 and at most 1000000, with at most 4 decimals');
  });
});

describe('document totals', () => {
  it('sums rounded lines, and rounds the tax per rate (not line by line)', () => {
    // 500 nets of 33 (0.333 × 100): exact tax 2.475 each, 1237.5 at the rate → 1238
    // (line by line it would be 500 × 2 = 1000).
    const lines = Array.from({ length: 500 }, () => line('0.333', 100, '7.5'));
    const t = computeTotals(lines, 'half_up');
    expect([t.subtotal, t.discount, t.tax, t.total]).toEqual([16500, 0, 1238, 17738]);
    expect(t.byRate).toEqual([{ rate: '7.5', net: 16500, tax: 1238 }]);
    const jpy = computeTotals(Array.from({ length: 3 }, () => line('1', 104, '10')), 'half_up');
    expect([jpy.tax, jpy.total]).toEqual([31, 343]);
  });
  it('shares the tax of a rate out to its lines as the server stores it', () => {
    const priced = (i: LineInput) => {
      const p = priceLine(i, 'half_up');
      if (!p.ok) throw new Error(p.error.message);
      return { amounts: p.amounts, rate: i.tax_rate };
    };
    // Three JPY lines of 104 at 10 %: 31.2 at the rate → 31, the first line gets the extra yen.
    const jpy = allocateTax([line('1', 104, '10'), line('1', 104, '10'), line('1', 104, '10')].map(priced), 'half_up');
    expect(jpy.map((a) => [a.tax, a.total])).toEqual([[11, 115], [10, 114], [10, 114]]);
    // Rates apart: 2 × 55.275 = 110.55 → 111 (56 + 55); the 20 % line alone keeps 1199.
    const mixed = allocateTax([line('1', 1005, '5.5'), line('3', 1999, '20'), line('1', 1005, '5.5')].map(priced), 'half_up');
    expect(mixed.map((a) => a.tax)).toEqual([56, 1199, 55]);
    for (const c of CASES) {
      const lines = c.lines.map(priced);
      const t = computeTotals(c.lines, 'half_even');
      const shared = allocateTax(lines, 'half_even');
      expect(shared.reduce((s, a) => s + a.tax, 0)).toBe(t.tax);
    }
  });
  it('sums the stored tax of lines the server priced', () => {
    const stored = [{ amounts: { gross: 104, discount_amount: 0, net: 104, tax: 10, total: 114 }, rate: '10' }];
    expect(documentTotals([...stored, ...stored]).tax).toBe(20);
    expect(documentTotals([...stored, ...stored], 'half_up').tax).toBe(21);
  });
  it('groups tax by rate, ascending, "20.00" with "20"', () => {
    const t = computeTotals(
      [line('3', 1999, '20'), line('2', 1000, '20.00', { type: 'percent', value: '100' }), line('4', 2500, '19', { type: 'amount', value: 1500 }), line('1', 999, '20', { type: 'percent', value: '12.5' })],
      'half_up',
    );
    expect([t.subtotal, t.discount, t.tax, t.total]).toEqual([5997 + 2000 + 10000 + 999, 2000 + 1500 + 125, 1199 + 1615 + 175, 7196 + 10115 + 1049]);
    expect(t.byRate).toEqual([
      { rate: '19', net: 8500, tax: 1615 },
      { rate: '20', net: 5997 + 874, tax: 1199 + 175 },
    ]);
    expect(t.subtotal - t.discount + t.tax).toBe(t.total);
  });
  it('leaves invalid lines out and counts them', () => {
    const t = computeTotals([line('1', 100, '0'), line('0', 100, '0')], 'half_up');
    expect([t.total, t.invalid]).toEqual([100, 1]);
  });
  it.each(CASES.flatMap((c) => ROUNDINGS.map((r) => [c.name, r, c] as const)))('%s (%s): identity holds and lines are integers', (_n, r, c) => {
    const t = computeTotals(c.lines, r);
    expect(t.invalid).toBe(0);
    expect(t.subtotal - t.discount + t.tax).toBe(t.total);
    expect(t.byRate.reduce((s, x) => s + x.tax, 0)).toBe(t.tax);
  });
  it('half_up and half_even differ on the midpoint cases', () => {
    const c = CASES.find((x) => x.name === 'midpoint quantities');
    expect(computeTotals(c?.lines ?? [], 'half_up').total).toBe(1 + 3 + 4 + 3 + 2);
    expect(computeTotals(c?.lines ?? [], 'half_even').total).toBe(0 + 2 + 4 + 3 + 2);
  });
});

describe('parsing', () => {
  it('reads decimal strings exactly', () => {
    expect(parseDec('2.5')).toEqual({ units: 25n, scale: 1 });
    expect(parseDec(' -0.25 ')).toEqual({ units: -25n, scale: 2 });
    expect(parseDec('1e3')).toBeNull();
    expect(parseDec('.')).toBeNull();
    expect(rateKey('20.00')).toBe('20');
    expect(rateKey('07.50')).toBe('7.5');
  });
});
