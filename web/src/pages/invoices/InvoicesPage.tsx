import { keepPreviousData, useMutation, useQuery } from '@tanstack/react-query';
import { Link, useLocation } from 'react-router';

import { api } from '../../api/client';
import { unwrap } from '../../api/problem';
import { SelectField, TextField } from '../../components/fields';
import { ProblemMessage } from '../../components/ProblemMessage';
import { Skeleton } from '../../components/Skeleton';
import { useFormat } from '../../company';
import { usePageTitle } from '../../layout/usePageTitle';
import { Can } from '../../session';
import { downloadText, fetchAll, invoicesCsv } from './csv';
import { documentName } from './invoiceModel';
import { CustomerFilter, NumberSearch, Pager } from './listParts';
import { StatusBadge } from './StatusBadge';
import { STATUS_FILTERS, useInvoiceListParams } from './useInvoiceListParams';
import '../../components/list/list.css';
import './invoices.css';

/** Invoices and credit notes: filter by number, status (overdue too), customer and issue date. */
export default function InvoicesPage() {
  usePageTitle('Invoices');
  const fmt = useFormat();
  const list = useInvoiceListParams();
  // The API lists credit notes with the invoices; they show only when asked for (status
  // "Credit notes", i.e. `applied`: every credit note has that status and no invoice has).
  const visible = (i: { kind: string }) => list.status !== '' || i.kind === 'invoice';
  const location = useLocation();
  const invoices = useQuery({
    queryKey: ['invoices', 'list', list.query],
    queryFn: () => unwrap(api.GET('/api/v1/invoices', { params: { query: list.query } })),
    placeholderData: keepPreviousData,
  });
  const exportCsv = useMutation({
    mutationFn: async () => {
      const items = await fetchAll((cursor) =>
        unwrap(api.GET('/api/v1/invoices', { params: { query: { ...list.filters, limit: 100, ...(cursor ? { cursor } : {}) } } })),
      );
      const shown = items.filter(visible);
      downloadText(invoicesCsv(shown), `${list.status === 'applied' ? 'credit-notes' : 'invoices'}-${fmt.today()}.csv`);
      return shown.length;
    },
  });
  const items = (invoices.data?.items ?? []).filter(visible);

  let body;
  if (invoices.isPending) {
    body = <Skeleton lines={6} label="Loading invoices…" />;
  } else if (invoices.isError) {
    body = <ProblemMessage problem={invoices.error} title="The invoices could not be loaded." />;
  } else if (items.length === 0) {
    body = (
      <p className="card invoices-empty">
        {list.filtered || list.cursors.length > 0
          ? 'No invoice matches these filters. Change or clear them to see more.'
          : 'There are no invoices yet. Invoices made from orders or created here appear here.'}
      </p>
    );
    // A page of credit notes only (hidden in "All invoices") may still have pages after it.
    if (invoices.data?.next_cursor) body = <>{body}<Pager list={list} nextCursor={invoices.data.next_cursor} label="Invoice pages" /></>;
  } else {
    body = (
      <>
        <div className="table-wrap" aria-busy={invoices.isFetching}>
          <table className="table">
            <caption className="visually-hidden">Invoices, page {list.cursors.length + 1}</caption>
            <thead>
              <tr>
                <th scope="col">Number</th>
                <th scope="col">Customer</th>
                <th scope="col">Status</th>
                <th scope="col">Issued</th>
                <th scope="col">Due</th>
                <th scope="col" className="num">Total</th>
                <th scope="col" className="num">Balance due</th>
              </tr>
            </thead>
            <tbody>
              {items.map((i) => (
                <tr key={i.id}>
                  <th scope="row" className="invoices-number">
                    <Link to={`/invoices/${encodeURIComponent(i.id)}`} state={{ from: location.pathname + location.search }}>
                      {documentName(i)}
                    </Link>
                    {i.kind === 'credit_note' && i.number ? <span className="visually-hidden"> (credit note)</span> : null}
                  </th>
                  <td>{i.customer_name}</td>
                  <td><StatusBadge invoice={i} /></td>
                  <td>{i.issue_date ? fmt.date(i.issue_date) : ''}</td>
                  <td>{i.due_date ? fmt.date(i.due_date) : ''}</td>
                  <td className="num">{fmt.money({ amount: i.totals.total, currency: i.currency })}</td>
                  <td className="num">{fmt.money({ amount: i.balance_due, currency: i.currency })}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        <Pager list={list} nextCursor={invoices.data?.next_cursor} label="Invoice pages" />
      </>
    );
  }

  return (
    <section className="page" aria-labelledby="invoices-title">
      <div className="page-header">
        <h1 id="invoices-title">Invoices</h1>
        <div className="button-row">
          <button type="button" className="button" disabled={exportCsv.isPending} onClick={() => exportCsv.mutate()}>
            {exportCsv.isPending ? 'Exporting…' : 'Export CSV'}
          </button>
          <Can permission="invoices:write">
            <Link className="button button-primary" to="/invoices/new">New invoice</Link>
          </Can>
        </div>
      </div>
      <div role="search" className="toolbar list-toolbar" aria-label="Filter invoices">
        <NumberSearch list={list} />
        <SelectField label="Status" name="status" value={list.status} options={STATUS_FILTERS}
          onChange={(e) => list.setFilter('status', e.target.value)} />
        <CustomerFilter value={list.customer} onChange={(id) => list.setFilter('customer', id)} />
        <TextField label="Issued from" name="from" type="date" value={list.from} max={list.to || undefined}
          onChange={(e) => list.setFilter('from', e.target.value)} />
        <TextField label="Issued to" name="to" type="date" value={list.to} min={list.from || undefined}
          onChange={(e) => list.setFilter('to', e.target.value)} />
        <SelectField label="Sort" name="sort" value={list.sort}
          options={[{ value: '-date', label: 'Newest first' }, { value: 'date', label: 'Oldest first' }]}
          onChange={(e) => list.setFilter('sort', e.target.value)} />
      </div>
      <ProblemMessage problem={exportCsv.error} title="The export failed." />
      {exportCsv.isSuccess ? (
        <p className="notice" role="status">Exported {fmt.number(exportCsv.data)} {exportCsv.data === 1 ? 'document' : 'documents'}.</p>
      ) : null}
      {body}
    </section>
  );
}
