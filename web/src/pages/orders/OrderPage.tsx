import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState, type FormEvent } from 'react';
import { Link, useLocation, useParams } from 'react-router';

import { api } from '../../api/client';
import { ApiError, unwrapTagged } from '../../api/problem';
import type { Schema } from '../../api/types';
import { useFormat } from '../../company';
import { AuditHistory } from '../../components/audit/AuditHistory';
import { ConflictNotice } from '../../components/list/ConflictNotice';
import { TextAreaField } from '../../components/list/TextAreaField';
import { fromLine } from '../../components/lines/editorState';
import { LineEditor, TotalsPanel, useLineEditor } from '../../components/lines/LineEditor';
import { documentTotals } from '../../components/lines/totals';
import { useUnsavedChanges } from '../../components/lines/UnsavedChanges';
import { useLinesSubmit } from '../../components/lines/useLinesSubmit';
import { ProblemMessage } from '../../components/ProblemMessage';
import { Skeleton } from '../../components/Skeleton';
import { usePageTitle } from '../../layout/usePageTitle';
import { usePermission } from '../../session';
import { OrderActions } from './OrderActions';
import { allowed, fetchOrder, orderKey, STATUS_LABELS, type Order } from './orders';
import '../../components/list/list.css';
import './orders.css';

type Tagged = { data: Order; etag: string };
type Line = Schema<'Line'>;

/** The lines of an order that can no longer be edited (or by someone who may not). */
export function LinesTable({ lines, currency, caption }: { lines: Line[]; currency: string; caption: string }) {
  const fmt = useFormat();
  const money = (amount: number) => fmt.money({ amount, currency });
  const totals = documentTotals(lines.map((l) => ({ amounts: l, rate: l.tax_rate })));
  return (
    <>
      <div className="table-wrap">
        <table className="table">
          <caption className="visually-hidden">{caption}</caption>
          <thead>
            <tr>
              <th scope="col">#</th>
              <th scope="col">Item</th>
              <th scope="col" className="num">Quantity</th>
              <th scope="col" className="num">Unit price</th>
              <th scope="col" className="num">Discount</th>
              <th scope="col" className="num">Tax rate</th>
              <th scope="col" className="num">Amount</th>
            </tr>
          </thead>
          <tbody>
            {lines.map((l, i) => (
              <tr key={i}>
                <td>{i + 1}</td>
                <td>{l.description}</td>
                <td className="num">{fmt.number(l.quantity, 4)}</td>
                <td className="num">{money(l.unit_price)}</td>
                <td className="num">
                  {l.discount_amount ? `−${money(l.discount_amount)}` : ''}
                  {l.discount?.type === 'percent' ? ` (${fmt.percent(l.discount.value)})` : ''}
                </td>
                <td className="num">{fmt.percent(l.tax_rate)}</td>
                <td className="num">{money(l.net)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <div className="lines-footer">
        <span />
        <TotalsPanel totals={totals} currency={currency} />
      </div>
    </>
  );
}

function DraftEditor({ current, onSaved, onDirty }: { current: Tagged; onSaved: (text: string) => void; onDirty: (dirty: boolean) => void }) {
  const queryClient = useQueryClient();
  const fmt = useFormat();
  const order = current.data;
  const [base, setBase] = useState<Tagged>(current);
  const model = useLineEditor(order.currency, () => order.lines.map((l) => fromLine(l, order.currency, fmt)));
  const [notes, setNotes] = useState(order.notes ?? '');
  const [conflict, setConflict] = useState<{ fresh: Tagged | null } | null>(null);
  const dirty = model.state.dirty || notes !== (base.data.notes ?? '');
  useEffect(() => onDirty(dirty), [dirty, onDirty]);
  const guard = useUnsavedChanges(dirty);

  const save = useLinesSubmit({
    model,
    mutationFn: ({ lines, extra }: { lines: Schema<'LineRequest'>[]; extra: { notes: string; etag: string } }) =>
      unwrapTagged(
        api.PATCH('/api/v1/orders/{id}', {
          params: { path: { id: order.id }, header: { 'If-Match': extra.etag } },
          body: { lines, notes: extra.notes.trim() ? extra.notes.trim() : '' },
        }),
      ),
    onSuccess: (saved) => {
      queryClient.setQueryData(orderKey(order.id), saved);
      void queryClient.invalidateQueries({ queryKey: ['orders', 'list'] });
      void queryClient.invalidateQueries({ queryKey: ['audit'] });
      setBase(saved);
      model.dispatch({ type: 'reset', lines: saved.data.lines.map((l) => fromLine(l, order.currency, fmt)) });
      setNotes(saved.data.notes ?? '');
      onSaved('Your changes are saved.');
    },
    onError: async (error) => {
      if (error instanceof ApiError && error.status === 412) {
        setConflict({ fresh: null });
        try {
          const fresh = await queryClient.fetchQuery({ queryKey: orderKey(order.id), queryFn: () => fetchOrder(order.id), staleTime: 0 });
          setConflict({ fresh });
        } catch {
          setConflict({ fresh: null });
        }
      }
    },
  });

  function submit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    setConflict(null);
    onSaved('');
    save.submit({ notes, etag: base.etag });
  }

  function reload() {
    const fresh = conflict?.fresh;
    if (!fresh) return;
    setBase(fresh);
    model.dispatch({ type: 'reset', lines: fresh.data.lines.map((l) => fromLine(l, order.currency, fmt)) });
    setNotes(fresh.data.notes ?? '');
    setConflict(null);
    save.mutation.reset();
    onSaved('The latest version is loaded. Make your changes again.');
  }

  const money = (amount: number) => fmt.money({ amount, currency: order.currency });
  const changes = conflict?.fresh
    ? [
        { field: 'status', label: 'Status', before: STATUS_LABELS[base.data.status], after: STATUS_LABELS[conflict.fresh.data.status] },
        { field: 'lines', label: 'Lines', before: String(base.data.lines.length), after: String(conflict.fresh.data.lines.length) },
        { field: 'total', label: 'Total', before: money(base.data.totals.total), after: money(conflict.fresh.data.totals.total) },
        { field: 'notes', label: 'Notes', before: base.data.notes ?? '', after: conflict.fresh.data.notes ?? '' },
      ].filter((c) => c.before !== c.after)
    : null;
  const isConflict = save.mutation.error instanceof ApiError && save.mutation.error.status === 412;

  return (
    <section className="orders-editor" aria-labelledby="order-lines-title">
      {guard.prompt}
      <h2 id="order-lines-title">Lines</h2>
      {conflict ? <ConflictNotice what="order" changes={changes} loading={!conflict.fresh} onReload={reload} /> : null}
      <form className="orders-form" noValidate onSubmit={submit} aria-labelledby="order-lines-title">
        {!isConflict ? <ProblemMessage problem={save.mutation.formError} title="Your changes were not saved." /> : null}
        <LineEditor model={model} showErrors={save.showErrors} serverErrors={save.serverErrors} linesError={save.linesError} caption="Order lines" />
        <TextAreaField label="Notes" name="notes" value={notes} maxLength={2000} error={save.mutation.fieldErrors['notes']} onChange={(e) => setNotes(e.target.value)} />
        <div className="button-row">
          <button type="submit" className="button button-primary" disabled={save.mutation.isPending}>
            {save.mutation.isPending ? 'Saving…' : 'Save changes'}
          </button>
          {dirty ? <span className="orders-hint">You have unsaved changes.</span> : null}
        </div>
      </form>
    </section>
  );
}

/** One order: status, lines and totals; drafts are edited in place by writers. */
export default function OrderPage() {
  const { id = '' } = useParams();
  const location = useLocation();
  const fmt = useFormat();
  const state = location.state as { flash?: string; from?: string } | null;
  const [message, setMessage] = useState<string>(state?.flash ?? '');
  const [dirty, setDirty] = useState(false);
  const detail = useQuery({ queryKey: orderKey(id), queryFn: () => fetchOrder(id) });
  const canWrite = usePermission('orders:write');
  const title = detail.data ? `Order for ${detail.data.data.customer_name}` : 'Order';
  usePageTitle(title);
  const back = state?.from?.startsWith('/orders') ? state.from : '/orders';

  if (detail.isPending) {
    return (
      <section className="page" aria-labelledby="order-title">
        <h1 id="order-title">Order</h1>
        <Skeleton lines={8} label="Loading the order…" />
      </section>
    );
  }
  if (detail.isError) {
    return (
      <section className="page page-message" aria-labelledby="order-title">
        <h1 id="order-title">Order</h1>
        <ProblemMessage problem={detail.error} title="The order could not be loaded." />
        <p><Link to="/orders">Back to orders</Link></p>
      </section>
    );
  }
  const order = detail.data.data;
  const editable = canWrite && allowed(order.status).edit;
  return (
    <section className="page" aria-labelledby="order-title">
      <p><Link to={back}>← Orders</Link></p>
      <div className="page-header">
        <h1 id="order-title">
          {title} <span className={`badge orders-status orders-status-${order.status}`}>{STATUS_LABELS[order.status]}</span>
        </h1>
      </div>
      {message ? <p className="notice" role="status">{message}</p> : null}
      <dl className="orders-meta">
        <dt>Customer</dt>
        <dd><Link to={`/customers/${encodeURIComponent(order.customer_id)}`}>{order.customer_name}</Link></dd>
        <dt>Currency</dt>
        <dd>{order.currency}</dd>
        <dt>Total</dt>
        <dd data-order-total>{fmt.money({ amount: order.totals.total, currency: order.currency })}</dd>
        <dt>Created</dt>
        <dd>{fmt.dateTime(order.created_at)}</dd>
        {order.invoice_id ? (
          <>
            <dt>Invoice</dt>
            <dd><Link to={`/invoices/${encodeURIComponent(order.invoice_id)}`}>Open the invoice</Link></dd>
          </>
        ) : null}
      </dl>
      <OrderActions order={order} dirty={dirty} onDone={setMessage} />
      {editable ? (
        <DraftEditor key={`${order.id}-${order.status}`} current={detail.data} onSaved={setMessage} onDirty={setDirty} />
      ) : (
        <section aria-labelledby="order-lines-title">
          <h2 id="order-lines-title">Lines</h2>
          <LinesTable lines={order.lines} currency={order.currency} caption="Order lines" />
          {order.notes ? (
            <>
              <h3>Notes</h3>
              <p className="orders-notes">{order.notes}</p>
            </>
          ) : null}
        </section>
      )}
      <AuditHistory entityType="order" entityId={order.id} />
    </section>
  );
}
