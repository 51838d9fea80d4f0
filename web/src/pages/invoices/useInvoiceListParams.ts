// The invoice and payment lists' state in the URL: `number` (prefix search), `status`
// (overdue too; `applied` = credit notes), `customer`, issue (payment) date range `from`/`to`,
// `sort` (date / -date) and the stack of page cursors `page`. A filter change goes back to page 1.
import { useCallback, useMemo } from 'react';
import { useSearchParams } from 'react-router';

import type { operations } from '../../api/types';
import { cursorsIn, useCursorPaging } from '../../components/list/cursorPaging';

export type InvoiceListQuery = NonNullable<operations['list_invoices']['parameters']['query']>;
export type PaymentListQuery = NonNullable<operations['list_payments']['parameters']['query']>;
export type StatusFilter = NonNullable<InvoiceListQuery['status']>;
export const STATUS_FILTERS: ReadonlyArray<{ value: StatusFilter | ''; label: string }> = [
  { value: '', label: 'All invoices' },
  { value: 'draft', label: 'Draft' },
  { value: 'issued', label: 'Issued' },
  { value: 'partially_paid', label: 'Partly paid' },
  { value: 'overdue', label: 'Overdue' },
  { value: 'paid', label: 'Paid' },
  { value: 'credited', label: 'Credited' },
  { value: 'void', label: 'Void' },
  { value: 'applied', label: 'Credit notes' },
];

export type Filter = 'number' | 'status' | 'customer' | 'from' | 'to' | 'sort';

const isDate = (v: string | null): v is string => !!v && /^\d{4}-\d{2}-\d{2}$/.test(v);

export function useInvoiceListParams() {
  const [params, setParams] = useSearchParams();
  const state = useMemo(() => {
    const status = params.get('status') ?? '';
    return {
      number: params.get('number') ?? '',
      status: (STATUS_FILTERS.some((s) => s.value === status) ? status : '') as StatusFilter | '',
      customer: (params.get('customer') ?? '').slice(0, 64),
      from: isDate(params.get('from')) ? (params.get('from') as string) : '',
      to: isDate(params.get('to')) ? (params.get('to') as string) : '',
      sort: (params.get('sort') === 'date' ? 'date' : '-date') as 'date' | '-date',
      cursors: cursorsIn(params),
    };
  }, [params]);

  const setFilter = useCallback(
    (name: Filter, value: string, replace = false) =>
      setParams(
        (prev) => {
          const next = new URLSearchParams(prev);
          next.delete('page');
          if (value && !(name === 'sort' && value === '-date')) next.set(name, value);
          else next.delete(name);
          return next;
        },
        { replace },
      ),
    [setParams],
  );
  const { nextPage, previousPage } = useCursorPaging(setParams);

  /** The filters as the API takes them (no cursor, no limit): the CSV export reuses them. */
  const filters = useMemo(() => {
    const out: InvoiceListQuery = { sort: state.sort };
    if (state.number.trim()) out.number = state.number.trim();
    if (state.status) out.status = state.status;
    if (state.customer) out.customer_id = state.customer;
    if (state.from) out.from = state.from;
    if (state.to) out.to = state.to;
    return out;
  }, [state]);
  const query = useMemo<InvoiceListQuery>(() => {
    const cursor = state.cursors.at(-1);
    return { ...filters, limit: 25, ...(cursor ? { cursor } : {}) };
  }, [filters, state.cursors]);
  const filtered = !!(state.number.trim() || state.status || state.customer || state.from || state.to);
  return { ...state, filters, query, filtered, setFilter, nextPage, previousPage };
}

export type InvoiceListParams = ReturnType<typeof useInvoiceListParams>;
