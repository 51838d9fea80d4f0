import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useCallback, useMemo, useState } from 'react';
import { Link, useLocation, useSearchParams } from 'react-router';

import { api } from '../../api/client';
import { unwrap } from '../../api/problem';
import type { operations } from '../../api/types';
import { useFormat } from '../../company';
import { SelectField, TextField } from '../../components/fields';
import { CustomerPicker } from '../../components/lines/CustomerPicker';
import { ProblemMessage } from '../../components/ProblemMessage';
import { Skeleton } from '../../components/Skeleton';
import { usePageTitle } from '../../layout/usePageTitle';
import { Can } from '../../session';
import { ordersCsv } from './csv';
import { STATUS_LABELS, type Order, type OrderStatus } from './orders';
import '../../components/list/list.css';
import './orders.css';
import { cursorsIn, useCursorPaging } from '../../components/list/cursorPaging';

type OrderQuery = NonNullable<operations['list_orders']['parameters']['query']>;

const STATUSES = Object.keys(STATUS_LABELS) as OrderStatus[];
const isDate = (v: string | null): v is string => !!v && /^\d{4}-\d{2}-\d{2}$/.test(v);

/** The list's filters in the URL: status, customer (id and name), created from/to, sort and the page cursors. */
export function useOrderListParams() {
  const [params, setParams] = useSearchParams();
  const state = useMemo(() => {
    const status = params.get('status') as OrderStatus | null;
    return {
      status: status && STATUSES.includes(status) ? status : ('' as const),
      customer: params.get('customer') ?? '',
      customerName: params.get('customer_name') ?? '',
      from: isDate(params.get('from')) ? (params.get('from') as string) : '',
      to: isDate(params.get('to')) ? (params.get('to') as string) : '',
      sort: params.get('sort') === 'date' ? ('date' as const) : ('-date' as const),
      cursors: cursorsIn(params),
    };
  }, [params]);
  const set = useCallback(
    (values: Record<string, string>) =>
      setParams((prev) => {
        const next = new URLSearchParams(prev);
        next.delete('page');
        for (const [k, v] of Object.entries(values)) {
          if (v) next.set(k, v);
          else next.delete(k);
        }
        return next;
      }),
    [setParams],
  );
  /** The filters without the cursor (what the CSV export sends for every page). */
  const filters = useMemo(() => {
    const q: OrderQuery = { sort: state.sort };
    if (state.status) q.status = state.status;
    if (state.customer) q.customer_id = state.customer;
    if (state.from) q.from = state.from;
    if (state.to) q.to = state.to;
    return q;
  }, [state]);
  const query = useMemo(() => {
    const q: OrderQuery = { ...filters, limit: 25 };
    const cursor = state.cursors.at(-1);
    if (cursor) q.cursor = cursor;
    return q;
  }, [filters, state.cursors]);
  const { nextPage, previousPage } = useCursorPaging(setParams);
  const filtered = !!(state.status || state.customer || state.from || state.to);
  return { ...state, filters, query, set, nextPage, previousPage, filtered };
}

/** Every order the filters select, page after page (100 at a time). */
export async function fetchAllOrders(filters: OrderQuery): Promise<Order[]> {
  const all: Order[] = [];
  let cursor: string | undefined;
  for (let i = 0; i < 1000; i++) {
    const page = await unwrap(api.GET('/api/v1/orders', { params: { query: { ...filters, limit: 100, ...(cursor ? { cursor } : {}) } } }));
    all.push(...page.items);
    if (!page.next_cursor) break;
    cursor = page.next_cursor;
  }
  return all;
}

function download(name: string, text: string) {
  const url = URL.createObjectURL(new Blob([text], { type: 'text/csv;charset=utf-8' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

function ExportCsv({ filters }: { filters: OrderQuery }) {
  const [state, setState] = useState<{ busy: boolean; error: unknown; done: string }>({ busy: false, error: null, done: '' });
  async function run() {
    setState({ busy: true, error: null, done: '' });
    try {
      const orders = await fetchAllOrders(filters);
      download(`orders-${new Date().toISOString().slice(0, 10)}.csv`, ordersCsv(orders));
      setState({ busy: false, error: null, done: `${orders.length} ${orders.length === 1 ? 'order' : 'orders'} exported.` });
    } catch (error) {
      setState({ busy: false, error, done: '' });
    }
  }
  return (
    <div className="orders-export">
      <button type="button" className="button" disabled={state.busy} onClick={() => void run()}>
        {state.busy ? 'Exporting…' : 'Export CSV'}
      </button>
      <span role="status" className="orders-hint">{state.done}</span>
      <ProblemMessage problem={state.error} title="The export failed." />
    </div>
  );
}

/** Orders: filter by status, customer and creation date (in the URL), page through, export CSV. */
export default function OrdersPage() {
  usePageTitle('Orders');
  const fmt = useFormat();
  const list = useOrderListParams();
  const location = useLocation();
  const orders = useQuery({
    queryKey: ['orders', 'list', list.query],
    queryFn: () => unwrap(api.GET('/api/v1/orders', { params: { query: list.query } })),
    placeholderData: keepPreviousData,
  });
  const items = orders.data?.items ?? [];

  let body;
  if (orders.isPending) body = <Skeleton lines={6} label="Loading orders…" />;
  else if (orders.isError) body = <ProblemMessage problem={orders.error} title="The orders could not be loaded." />;
  else if (items.length === 0)
    body = (
      <p className="card">
        {list.filtered || list.cursors.length
          ? 'No order matches these filters. Change or clear them to see more.'
          : 'There are no orders yet. Orders you create appear here.'}
      </p>
    );
  else
    body = (
      <>
        <div className="table-wrap" aria-busy={orders.isFetching}>
          <table className="table orders-list">
            <caption className="visually-hidden">Orders, page {list.cursors.length + 1}</caption>
            <thead>
              <tr>
                <th scope="col">Customer</th>
                <th scope="col">Status</th>
                <th scope="col">Created</th>
                <th scope="col" className="num">Lines</th>
                <th scope="col" className="num">Total</th>
              </tr>
            </thead>
            <tbody>
              {items.map((o) => (
                <tr key={o.id}>
                  <th scope="row">
                    <Link to={`/orders/${encodeURIComponent(o.id)}`} state={{ from: location.pathname + location.search }}>
                      {o.customer_name}
                    </Link>
                  </th>
                  <td><span className={`badge orders-status orders-status-${o.status}`}>{STATUS_LABELS[o.status]}</span></td>
                  <td>{fmt.dateTime(o.created_at)}</td>
                  <td className="num">{fmt.number(o.lines.length)}</td>
                  <td className="num">{fmt.money({ amount: o.totals.total, currency: o.currency })}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        {list.cursors.length || orders.data?.next_cursor ? (
          <nav className="list-pager" aria-label="Order pages">
            <span className="list-pager-page">Page {list.cursors.length + 1}</span>
            {list.cursors.length ? <button type="button" className="button" onClick={list.previousPage}>Previous page</button> : null}
            {orders.data?.next_cursor ? (
              <button type="button" className="button" onClick={() => list.nextPage(orders.data.next_cursor as string)}>Next page</button>
            ) : null}
          </nav>
        ) : null}
      </>
    );

  return (
    <section className="page" aria-labelledby="orders-title">
      <div className="page-header">
        <h1 id="orders-title">Orders</h1>
        <Can permission="orders:write">
          <Link className="button button-primary" to="/orders/new">New order</Link>
        </Can>
      </div>
      <div role="search" className="toolbar list-toolbar" aria-label="Filter orders">
        <CustomerPicker
          label="Customer"
          name="customer"
          value={list.customerName}
          hint="Search by name; clear to see all."
          onPick={(c) => list.set({ customer: c?.id ?? '', customer_name: c?.name ?? '' })}
        />
        <SelectField
          label="Status"
          name="status"
          value={list.status}
          onChange={(e) => list.set({ status: e.target.value })}
          options={[{ value: '', label: 'Any status' }, ...STATUSES.map((s) => ({ value: s, label: STATUS_LABELS[s] }))]}
        />
        <TextField label="Created from" name="from" type="date" value={list.from} max={list.to || undefined} onChange={(e) => list.set({ from: e.target.value })} />
        <TextField label="Created to" name="to" type="date" value={list.to} min={list.from || undefined} onChange={(e) => list.set({ to: e.target.value })} />
        <SelectField
          label="Sort"
          name="sort"
          value={list.sort}
          onChange={(e) => list.set({ sort: e.target.value === 'date' ? 'date' : '' })}
          options={[{ value: '-date', label: 'Newest first' }, { value: 'date', label: 'Oldest first' }]}
        />
        <ExportCsv filters={list.filters} />
      </div>
      {body}
    </section>
  );
}
