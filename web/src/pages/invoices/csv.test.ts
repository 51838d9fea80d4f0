import { describe, expect, it, vi } from 'vitest';

import { csvField, fetchAll, invoicesCsv, toCsv } from './csv';
import { issued } from './fixtures';

describe('CSV', () => {
  it('quotes commas, quotes and line breaks, and defuses formulas', () => {
    expect(csvField('plain')).toBe('plain');
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('two\nlines')).toBe('"two\nlines"');
    expect(csvField('=SUM(A1)')).toBe("'=SUM(A1)");
    expect(csvField('-12.50')).toBe('-12.50');
    expect(csvField(null)).toBe('');
    expect(csvField(42)).toBe('42');
    expect(toCsv([['a', 'b'], ['c,d', '']])).toBe('a,b\r\n"c,d",\r\n');
  });

  it('writes an invoice per row with exact amounts', () => {
    const text = invoicesCsv([issued({ customer_name: 'Smith, "Jones" & Co', overdue: true })]);
    const [header, row] = text.split('\r\n');
    expect(header).toMatch(/^Number,Kind,Customer,Status,Overdue,Issue date,Due date,Currency,Subtotal/);
    expect(row).toBe('INV-2026-000007,Invoice,"Smith, ""Jones"" & Co",Issued,yes,2026-03-02,2026-03-16,EUR,70.00,0.00,14.00,84.00,0.00,0.00,84.00,inv1');
  });

  it('fetches every page', async () => {
    const page = vi.fn(async (cursor: string | undefined) =>
      cursor === undefined ? { items: [1, 2], next_cursor: 'b' } : cursor === 'b' ? { items: [3], next_cursor: 'c' } : { items: [4], next_cursor: null });
    expect(await fetchAll(page)).toEqual([1, 2, 3, 4]);
    expect(page.mock.calls.map((c) => c[0])).toEqual([undefined, 'b', 'c']);
  });
});
