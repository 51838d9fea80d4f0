import type { Invoice, Payment } from './invoiceModel';

export function invoice(overrides: Partial<Invoice> = {}): Invoice {
  return {
    id: 'inv1',
    kind: 'invoice',
    number: null,
    customer_id: 'c1',
    customer_name: 'Acme Ltd',
    currency: 'EUR',
    lines: [
      { description: 'Widget', quantity: '2', unit_price: 1000, tax_rate: '20', gross: 2000, discount_amount: 0, net: 2000, tax: 400, total: 2400, product_id: 'p1', discount: null },
      { description: 'Setup, "express"', quantity: '1', unit_price: 5000, tax_rate: '20', gross: 5000, discount_amount: 0, net: 5000, tax: 1000, total: 6000, product_id: null, discount: null },
    ],
    totals: { subtotal: 7000, discount: 0, tax: 1400, total: 8400 },
    status: 'draft',
    payment_terms_days: 14,
    amount_paid: 0,
    amount_credited: 0,
    balance_due: 8400,
    issue_date: null,
    due_date: null,
    notes: null,
    order_id: null,
    credited_invoice_id: null,
    paid_on: null,
    created_at: '2026-03-01T09:00:00Z',
    updated_at: '2026-03-01T09:00:00Z',
    version: 1,
    overdue: false,
    ...overrides,
  };
}

export const issued = (o: Partial<Invoice> = {}) =>
  invoice({ status: 'issued', number: 'INV-2026-000007', issue_date: '2026-03-02', due_date: '2026-03-16', version: 2, ...o });

export function payment(overrides: Partial<Payment> = {}): Payment {
  return {
    id: 'pay1', invoice_id: 'inv1', invoice_number: 'INV-2026-000007', customer_id: 'c1', amount: 3000, currency: 'EUR',
    date: '2026-03-05', method: 'bank_transfer', reference: 'TX-1', created_at: '2026-03-05T10:00:00Z', ...overrides,
  };
}
