import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { Link, useSearchParams } from 'react-router';
import { useCallback, useMemo } from 'react';

import { api } from '../../api/client';
import { unwrap } from '../../api/problem';
import { TextField, SelectField } from '../../components/fields';
import { ProblemMessage } from '../../components/ProblemMessage';
import { Skeleton } from '../../components/Skeleton';
import { useFormat } from '../../company';
import { usePageTitle } from '../../layout/usePageTitle';
import { METHOD_LABELS } from '../invoices/invoiceModel';
import { CustomerFilter, Pager } from '../invoices/listParts';
import type { PaymentListQuery } from '../invoices/useInvoiceListParams';
import '../../components/list/list.css';
import '../invoices/invoices.css';

const isDate = (v: string | null): v is string => !!v && /^\d{4}-\d{2}-\d{2}$/.test(v);

/** Payments received: by customer and payment date, newest first; each links to its invoice. */
export default function PaymentsPage() {
  usePageTitle('Payments');
  const fmt = useFormat();
  const [params, setParams] = useSearchParams();
  const customer = (params.get('customer') ?? '').slice(0, 64);
  const from = isDate(params.get('from')) ? (params.get('from') as string) : '';
  const to = isDate(params.get('to')) ? (params.get('to') as string) : '';
  const sort = params.get('sort') === 'date' ? 'date' : '-date';
  const cursors = params.getAll('page').filter((c) => /^[A-Za-z0-9_.-]{1,2048}$/.test(c));
  const setFilter = (name: string, value: string) =>
    setParams((prev) => {
      const n = new URLSearchParams(prev);
      n.delete('page');
      if (value && !(name === 'sort' && value === '-date')) n.set(name, value);
      else n.delete(name);
      return n;
    });
  const nextPage = useCallback((c: string) => setParams((prev) => { const n = new URLSearchParams(prev); n.append('page', c); return n; }), [setParams]);
  const previousPage = useCallback(() => setParams((prev) => {
    const n = new URLSearchParams(prev);
    const stack = n.getAll('page');
    n.delete('page');
    for (const c of stack.slice(0, -1)) n.append('page', c);
    return n;
  }), [setParams]);
  const query = useMemo(() => {
    const q: PaymentListQuery = { sort, limit: 25 };
    if (customer) q.customer_id = customer;
    if (from) q.from = from;
    if (to) q.to = to;
    const c = cursors.at(-1);
    if (c) q.cursor = c;
    return q;
  }, [customer, from, to, sort, cursors]);
  const payments = useQuery({
    queryKey: ['payments', 'list', query],
    queryFn: () => unwrap(api.GET('/api/v1/payments', { params: { query } })),
    placeholderData: keepPreviousData,
  });
  const items = payments.data?.items ?? [];
  const filtered = !!(customer || from || to);

  let body;
  if (payments.isPending) body = <Skeleton lines={6} label="Loading payments…" />;
  else if (payments.isError) body = <ProblemMessage problem={payments.error} title="The payments could not be loaded." />;
  else if (items.length === 0) {
    body = (
      <p className="card invoices-empty">
        {filtered || cursors.length ? 'No payment matches these filters. Change or clear them to see more.' : 'No payments are recorded yet. Payments recorded on invoices appear here.'}
      </p>
    );
  } else {
    body = (
      <>
        <div className="table-wrap" aria-busy={payments.isFetching}>
          <table className="table">
            <caption className="visually-hidden">Payments, page {cursors.length + 1}</caption>
            <thead>
              <tr>
                <th scope="col">Date</th>
                <th scope="col">Invoice</th>
                <th scope="col">Method</th>
                <th scope="col">Reference</th>
                <th scope="col" className="num">Amount</th>
              </tr>
            </thead>
            <tbody>
              {items.map((p) => (
                <tr key={p.id}>
                  <td>{fmt.date(p.date)}</td>
                  <td><Link to={`/invoices/${encodeURIComponent(p.invoice_id)}`}>{p.invoice_number ?? 'The invoice'}</Link></td>
                  <td>{METHOD_LABELS[p.method]}</td>
                  <td>{p.reference ?? ''}</td>
                  <td className="num">{fmt.money({ amount: p.amount, currency: p.currency })}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        <Pager list={{ cursors, nextPage, previousPage }} nextCursor={payments.data?.next_cursor} label="Payment pages" />
      </>
    );
  }

  return (
    <section className="page" aria-labelledby="payments-title">
      <div className="page-header">
        <h1 id="payments-title">Payments</h1>
      </div>
      <div role="search" className="toolbar list-toolbar" aria-label="Filter payments">
        <CustomerFilter value={customer} onChange={(id) => setFilter('customer', id)} />
        <TextField label="Received from" name="from" type="date" value={from} max={to || undefined} onChange={(e) => setFilter('from', e.target.value)} />
        <TextField label="Received to" name="to" type="date" value={to} min={from || undefined} onChange={(e) => setFilter('to', e.target.value)} />
        <SelectField label="Sort" name="sort" value={sort} options={[{ value: '-date', label: 'Newest first' }, { value: 'date', label: 'Oldest first' }]}
          onChange={(e) => setFilter('sort', e.target.value)} />
      </div>
      {body}
    </section>
  );
}
