// What the invoice pages share: the API types, status words, and which actions a document's
// state and the user's permissions allow (one pure function, tested per status × role).
import type { Permission, Schema } from '../../api/types';

export type Invoice = Schema<'InvoiceView'>;
export type InvoiceStatus = Schema<'InvoiceStatus'>;
export type Payment = Schema<'Payment'>;
export type PaymentMethod = Schema<'PaymentMethod'>;
export type Reminder = Schema<'InvoiceReminder'>;

export const STATUS_LABELS: Record<InvoiceStatus, string> = {
  draft: 'Draft',
  issued: 'Issued',
  partially_paid: 'Partly paid',
  paid: 'Paid',
  credited: 'Credited',
  void: 'Void',
  applied: 'Applied',
};

export const METHOD_LABELS: Record<PaymentMethod, string> = {
  bank_transfer: 'Bank transfer',
  card: 'Card',
  cash: 'Cash',
  cheque: 'Cheque',
  other: 'Other',
};

export const isOpen = (s: InvoiceStatus) => s === 'issued' || s === 'partially_paid';

/** "INV-2026-000123", or "Draft invoice" / "Credit note" before a number is assigned. */
export function documentName(i: Pick<Invoice, 'number' | 'kind'>): string {
  if (i.number) return i.number;
  return i.kind === 'credit_note' ? 'Credit note' : 'Draft invoice';
}

export interface InvoiceActions {
  edit: boolean;
  issue: boolean;
  void: boolean;
  creditNote: boolean;
  recordPayment: boolean;
  reversePayment: boolean;
  send: boolean;
}

/**
 * The actions the API would accept for this document from someone with `permissions`
 * (see functions/invoices and functions/payments: issue, void, credit note and send need
 * invoices:issue; editing a draft invoices:write; payments payments:write / payments:delete).
 */
export function actionsFor(
  invoice: Pick<Invoice, 'kind' | 'status' | 'amount_paid' | 'amount_credited'>,
  permissions: readonly Permission[],
): InvoiceActions {
  const can = (p: Permission) => permissions.includes(p);
  const isInvoice = invoice.kind === 'invoice';
  const open = isInvoice && isOpen(invoice.status);
  return {
    edit: isInvoice && invoice.status === 'draft' && can('invoices:write'),
    issue: isInvoice && invoice.status === 'draft' && can('invoices:issue'),
    void:
      isInvoice && invoice.status === 'issued' && invoice.amount_paid === 0 && invoice.amount_credited === 0 && can('invoices:issue'),
    creditNote: open && can('invoices:issue'),
    recordPayment: open && can('payments:write'),
    reversePayment: isInvoice && invoice.status !== 'draft' && can('payments:delete'),
    send: invoice.status !== 'draft' && invoice.status !== 'void' && can('invoices:issue'),
  };
}

/** A fresh Idempotency-Key (one per payment form instance). */
export function newIdempotencyKey(): string {
  return crypto.randomUUID();
}
