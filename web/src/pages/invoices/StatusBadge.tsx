import { STATUS_LABELS, type Invoice } from './invoiceModel';

/** The status as a badge, plus "Overdue" when open and past due. */
export function StatusBadge({ invoice }: { invoice: Pick<Invoice, 'status' | 'overdue'> }) {
  return (
    <>
      <span className={`badge invoices-status invoices-status-${invoice.status}`}>{STATUS_LABELS[invoice.status]}</span>
      {invoice.overdue ? <> <span className="badge invoices-overdue">Overdue</span></> : null}
    </>
  );
}
