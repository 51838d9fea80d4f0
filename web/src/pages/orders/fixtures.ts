// Test data (imported by the tests only).
import type { Schema } from '../../api/types';

type Order = Schema<'Order'>;

export function order(overrides: Partial<Order> = {}): Order {
  return {
    id: 'o1', customer_id: 'c1', customer_name: 'Acme Ltd', currency: 'EUR',
    lines: [
      { product_id: null, description: 'Consulting', quantity: '3', unit_price: 1999, discount: null, tax_rate: '20', gross: 5997, discount_amount: 0, net: 5997, tax: 1199, total: 7196 },
    ],
    totals: { subtotal: 5997, discount: 0, tax: 1199, total: 7196 },
    notes: null, status: 'draft', invoice_id: null, created_at: '2026-03-01T10:00:00Z', updated_at: '2026-03-01T10:00:00Z', version: 1,
    ...overrides,
  };
}
