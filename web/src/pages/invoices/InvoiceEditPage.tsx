// A draft invoice with the line editor: /invoices/new creates one, /invoices/:id/edit edits a
// draft (If-Match; a 412 keeps the user's lines until they reload).
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { Link, useNavigate, useParams } from 'react-router';

import { api } from '../../api/client';
import { ApiError, unwrapTagged } from '../../api/problem';
import type { Schema } from '../../api/types';
import { useCompany, useFormat } from '../../company';
import { TextField } from '../../components/fields';
import { ConflictNotice } from '../../components/list/ConflictNotice';
import { TextAreaField } from '../../components/list/TextAreaField';
import { CustomerPicker, type Customer } from '../../components/lines/CustomerPicker';
import { blankLine, fromLine } from '../../components/lines/editorState';
import { LineEditor, useLineEditor } from '../../components/lines/LineEditor';
import { useUnsavedChanges } from '../../components/lines/UnsavedChanges';
import { useLinesSubmit } from '../../components/lines/useLinesSubmit';
import { ProblemMessage } from '../../components/ProblemMessage';
import { Skeleton } from '../../components/Skeleton';
import { usePageTitle } from '../../layout/usePageTitle';
import '../../components/list/list.css';
import '../orders/orders.css';

type Invoice = Schema<'InvoiceView'>;
type Tagged = { data: Invoice; etag: string };
type LineRequest = Schema<'LineRequest'>;

const invoiceKey = (id: string) => ['invoices', 'detail', id] as const;
const fetchInvoice = (id: string) => unwrapTagged(api.GET('/api/v1/invoices/{id}', { params: { path: { id } } }));

interface Extra {
  customer_id: string;
  notes: string;
  due_date: string;
  etag: string;
}

function InvoiceForm({ current }: { current: Tagged | null }) {
  const company = useCompany();
  const fmt = useFormat();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const invoice = current?.data ?? null;
  const [base, setBase] = useState<Tagged | null>(current);
  const [customer, setCustomer] = useState<Customer | null>(null);
  const [customerError, setCustomerError] = useState<string | undefined>();
  const [notes, setNotes] = useState(invoice?.notes ?? '');
  const [dueDate, setDueDate] = useState(invoice?.due_date ?? '');
  const [conflict, setConflict] = useState<{ fresh: Tagged | null } | null>(null);
  const currency = invoice?.currency ?? customer?.currency ?? company.currency ?? 'EUR';
  const model = useLineEditor(currency, () => (invoice ? invoice.lines.map((l) => fromLine(l, currency, fmt)) : [blankLine()]));
  const dirty = model.state.dirty || notes !== (base?.data.notes ?? '') || dueDate !== (base?.data.due_date ?? '') || (!invoice && !!customer);
  const guard = useUnsavedChanges(dirty);

  const save = useLinesSubmit({
    model,
    mutationFn: ({ lines, extra }: { lines: LineRequest[]; extra: Extra }) =>
      invoice
        ? unwrapTagged(
            api.PATCH('/api/v1/invoices/{id}', {
              params: { path: { id: invoice.id }, header: { 'If-Match': extra.etag } },
              body: { lines, notes: extra.notes.trim(), due_date: extra.due_date || null },
            }),
          )
        : unwrapTagged(
            api.POST('/api/v1/invoices', {
              body: { customer_id: extra.customer_id, lines, notes: extra.notes.trim() || null, due_date: extra.due_date || null },
            }),
          ),
    onSuccess: (saved) => {
      queryClient.setQueryData(invoiceKey(saved.data.id), saved);
      void queryClient.invalidateQueries({ queryKey: ['invoices'] });
      void queryClient.invalidateQueries({ queryKey: ['audit'] });
      guard.release();
      navigate(`/invoices/${encodeURIComponent(saved.data.id)}`, {
        state: { flash: invoice ? 'Your changes are saved.' : 'The draft invoice is created.' },
      });
    },
    onError: async (error) => {
      if (invoice && error instanceof ApiError && error.status === 412) {
        setConflict({ fresh: null });
        try {
          const fresh = await queryClient.fetchQuery({ queryKey: invoiceKey(invoice.id), queryFn: () => fetchInvoice(invoice.id), staleTime: 0 });
          setConflict({ fresh });
        } catch {
          setConflict({ fresh: null });
        }
      }
    },
  });

  function submit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const missing = !invoice && !customer ? 'Choose the customer.' : undefined;
    setCustomerError(missing);
    setConflict(null);
    save.submit({ customer_id: customer?.id ?? '', notes, due_date: dueDate, etag: base?.etag ?? '' }, !missing);
  }

  function reload() {
    const fresh = conflict?.fresh;
    if (!fresh) return;
    setBase(fresh);
    model.dispatch({ type: 'reset', lines: fresh.data.lines.map((l) => fromLine(l, currency, fmt)) });
    setNotes(fresh.data.notes ?? '');
    setDueDate(fresh.data.due_date ?? '');
    setConflict(null);
    save.mutation.reset();
  }

  const fe = save.mutation.fieldErrors;
  const money = (amount: number) => fmt.money({ amount, currency });
  const changes =
    conflict?.fresh && base
      ? [
          { field: 'lines', label: 'Lines', before: String(base.data.lines.length), after: String(conflict.fresh.data.lines.length) },
          { field: 'total', label: 'Total', before: money(base.data.totals.total), after: money(conflict.fresh.data.totals.total) },
          { field: 'due_date', label: 'Due date', before: base.data.due_date ?? '', after: conflict.fresh.data.due_date ?? '' },
          { field: 'notes', label: 'Notes', before: base.data.notes ?? '', after: conflict.fresh.data.notes ?? '' },
        ].filter((c) => c.before !== c.after)
      : null;
  const isConflict = save.mutation.error instanceof ApiError && save.mutation.error.status === 412;

  return (
    <>
      {guard.prompt}
      {conflict ? <ConflictNotice what="invoice" changes={changes} loading={!conflict.fresh} onReload={reload} /> : null}
      <form className="orders-form" noValidate onSubmit={submit} aria-labelledby="invoice-edit-title">
        {!isConflict ? <ProblemMessage problem={save.mutation.formError} title={invoice ? 'Your changes were not saved.' : 'The invoice was not created.'} /> : null}
        <div className="orders-head-fields">
          {invoice ? (
            <p>Customer: <strong>{invoice.customer_name}</strong></p>
          ) : (
            <CustomerPicker
              label="Customer"
              required
              value={customer?.name ?? ''}
              hint="Type to search by name or email."
              error={customerError ?? fe['customer_id']}
              onPick={(c) => {
                setCustomer(c);
                if (c) setCustomerError(undefined);
              }}
            />
          )}
          <TextField
            label="Due date"
            name="due_date"
            type="date"
            hint="Empty: the issue date plus the customer’s payment terms."
            value={dueDate}
            error={fe['due_date']}
            onChange={(e) => setDueDate(e.target.value)}
          />
          <p className="orders-currency">Currency: <strong>{currency}</strong></p>
        </div>
        <h2 id="invoice-lines-title">Lines</h2>
        <LineEditor model={model} showErrors={save.showErrors} serverErrors={save.serverErrors} linesError={save.linesError} caption="Invoice lines" />
        <TextAreaField label="Notes" name="notes" value={notes} maxLength={2000} error={fe['notes']} onChange={(e) => setNotes(e.target.value)} />
        <div className="button-row">
          <button type="submit" className="button button-primary" disabled={save.mutation.isPending}>
            {save.mutation.isPending ? 'Saving…' : invoice ? 'Save changes' : 'Create draft invoice'}
          </button>
        </div>
      </form>
    </>
  );
}

export default function InvoiceEditPage() {
  const { id } = useParams();
  const creating = !id;
  const detail = useQuery({ queryKey: invoiceKey(id ?? ''), queryFn: () => fetchInvoice(id ?? ''), enabled: !creating });
  const title = creating ? 'New invoice' : 'Edit draft invoice';
  usePageTitle(title);
  const back = creating ? '/invoices' : `/invoices/${encodeURIComponent(id)}`;
  let body;
  if (creating) body = <InvoiceForm current={null} />;
  else if (detail.isPending) body = <Skeleton lines={8} label="Loading the invoice…" />;
  else if (detail.isError) body = <ProblemMessage problem={detail.error} title="The invoice could not be loaded." />;
  else if (detail.data.data.status !== 'draft')
    body = <p className="card">Only a draft invoice can be edited; this one is {detail.data.data.status.replace('_', ' ')}.</p>;
  else body = <InvoiceForm key={detail.data.data.id} current={detail.data} />;
  return (
    <section className="page" aria-labelledby="invoice-edit-title">
      <p><Link to={back}>{creating ? '← Invoices' : '← The invoice'}</Link></p>
      <h1 id="invoice-edit-title">{title}</h1>
      {body}
    </section>
  );
}
