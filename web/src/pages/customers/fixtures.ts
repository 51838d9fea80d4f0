// Test data (imported by the tests only).
import type { Schema } from '../../api/types';

type Customer = Schema<'Customer'>;

/** A customer as the API answers it. */
export function customer(overrides: Partial<Customer> = {}): Customer {
  return {
    id: 'c1', name: 'Acme GmbH', email: 'billing@acme.example', phone: '+49 30 1234567', currency: 'EUR',
    payment_terms_days: 30, external_ids: {}, status: 'active', billing_address: null, shipping_address: null,
    tax_id: null, notes: null, created_at: '2026-03-01T10:00:00Z', updated_at: '2026-03-01T10:00:00Z', version: 1,
    ...overrides,
  };
}

