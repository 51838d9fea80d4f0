// CSV of orders (RFC 4180: fields with a comma, quote or line break are quoted, quotes doubled;
// a text starting with = + - @ is prefixed with ' so spreadsheets don't run it as a formula).
import { minorDigits, minorToDecimal } from '../../format';
import { STATUS_LABELS, type Order } from './orders';

export function csvField(value: string | number | null | undefined): string {
  if (value === null || value === undefined) return '';
  let s = String(value);
  if (typeof value === 'string' && /^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function toCsv(rows: ReadonlyArray<ReadonlyArray<string | number | null | undefined>>): string {
  return rows.map((r) => r.map(csvField).join(',')).join('\r\n') + '\r\n';
}

export const ORDER_CSV_HEADER = ['Created', 'Customer', 'Status', 'Currency', 'Lines', 'Subtotal', 'Discount', 'Tax', 'Total', 'Invoice ID', 'Order ID'];

export function ordersCsv(orders: readonly Order[]): string {
  return toCsv([
    ORDER_CSV_HEADER,
    ...orders.map((o) => {
      const m = (n: number) => minorToDecimal(n, minorDigits(o.currency));
      return [
        o.created_at, o.customer_name, STATUS_LABELS[o.status], o.currency, o.lines.length,
        m(o.totals.subtotal), m(o.totals.discount), m(o.totals.tax), m(o.totals.total), o.invoice_id ?? '', o.id,
      ];
    }),
  ]);
}
