// Test data (imported by the tests only).
import type { Schema } from '../../api/types';

type Product = Schema<'Product'>;

/** A product as the API answers it. */
export function product(overrides: Partial<Product> = {}): Product {
  return {
    id: 'p1', sku: 'WID-1', name: 'Widget', description: null, unit_price: { amount: 1250, currency: 'EUR' },
    tax_rate: '20', unit: 'unit', active: true, external_ids: {}, created_at: '2026-03-01T10:00:00Z',
    updated_at: '2026-03-01T10:00:00Z', version: 1, ...overrides,
  };
}
