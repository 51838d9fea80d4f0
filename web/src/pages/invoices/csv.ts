// CSV export of an invoice list: every page the filters select (fetched with the same
// filters), built here with RFC 4180 quoting, downloaded through a Blob link.
import { saveFile } from '../../download';
import { minorDigits, minorToDecimal } from '../../format';
import { STATUS_LABELS, type Invoice } from './invoiceModel';

/** One CSV field: quoted when it holds a comma, quote, CR or LF (quotes doubled). A leading
 * `=`, `+`, `-` or `@` (other than a plain number) is prefixed with `'` so spreadsheets don't
 * run it as a formula. */
export function csvField(value: string | number | null | undefined): string {
  if (value === null || value === undefined) return '';
  let s = String(value);
  if (typeof value === 'string' && /^[=+\-@\t\r]/.test(s) && !/^-?\d+(\.\d+)?$/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** Rows to CSV text, CRLF line ends (RFC 4180). */
export function toCsv(rows: ReadonlyArray<ReadonlyArray<string | number | null | undefined>>): string {
  return rows.map((r) => r.map(csvField).join(',')).join('\r\n') + '\r\n';
}

const money = (amount: number, currency: string) => minorToDecimal(amount, minorDigits(currency));

export const INVOICE_CSV_HEADER = [
  'Number', 'Kind', 'Customer', 'Status', 'Overdue', 'Issue date', 'Due date', 'Currency',
  'Subtotal', 'Discount', 'Tax', 'Total', 'Paid', 'Credited', 'Balance due', 'ID',
];

export function invoicesCsv(items: readonly Invoice[]): string {
  return toCsv([
    INVOICE_CSV_HEADER,
    ...items.map((i) => [
      i.number ?? '',
      i.kind === 'credit_note' ? 'Credit note' : 'Invoice',
      i.customer_name,
      STATUS_LABELS[i.status],
      i.overdue ? 'yes' : 'no',
      i.issue_date ?? '',
      i.due_date ?? '',
      i.currency,
      money(i.totals.subtotal, i.currency),
      money(i.totals.discount, i.currency),
      money(i.totals.tax, i.currency),
      money(i.totals.total, i.currency),
      money(i.amount_paid, i.currency),
      money(i.amount_credited, i.currency),
      money(i.balance_due, i.currency),
      i.id,
    ]),
  ]);
}

/** Every item of a cursor-paged list: calls `page(cursor)` until there is no next cursor. */
export async function fetchAll<T>(
  page: (cursor: string | undefined) => Promise<{ items: T[]; next_cursor?: string | null }>,
  max = 10_000,
): Promise<T[]> {
  const out: T[] = [];
  let cursor: string | undefined;
  do {
    const r = await page(cursor);
    out.push(...r.items);
    cursor = r.next_cursor ?? undefined;
  } while (cursor && out.length < max);
  return out;
}

/** Offers `text` as a file download (with a byte-order mark, for spreadsheets). */
export function downloadText(text: string, fileName: string, type = 'text/csv;charset=utf-8') {
  saveFile(new Blob(['\uFEFF', text], { type }), fileName);
}
