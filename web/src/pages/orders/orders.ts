// Orders: query keys, fetchers and the status words.
import { api } from '../../api/client';
import { unwrapTagged } from '../../api/problem';
import type { Schema } from '../../api/types';

export type Order = Schema<'Order'>;
export type OrderStatus = Schema<'OrderStatus'>;

export const orderKey = (id: string) => ['orders', 'detail', id] as const;
export const fetchOrder = (id: string) => unwrapTagged(api.GET('/api/v1/orders/{id}', { params: { path: { id } } }));

export const STATUS_LABELS: Record<OrderStatus, string> = {
  draft: 'Draft',
  confirmed: 'Confirmed',
  invoiced: 'Invoiced',
  cancelled: 'Cancelled',
};

/** What an order in a status allows (before permissions). */
export function allowed(status: OrderStatus) {
  return {
    edit: status === 'draft',
    confirm: status === 'draft',
    cancel: status === 'draft' || status === 'confirmed',
    invoice: status === 'confirmed',
  };
}
