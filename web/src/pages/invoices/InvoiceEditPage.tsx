// A draft invoice with the line editor: /invoices/new creates one, /invoices/:id/edit edits a
// draft (If-Match; a 412 keeps the user's lines until they reload).
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { Link, useLocation, useNavigate, useParams } from 'react-router';

import { api } from '../../api/client';
import { ApiError, unwrapTagged } from '../../api/problem';
import type { FieldError, Schema } from '../../api/types';
import { useCompany, useFormat } from '../../company';
import { TextField } from '../../components/fields';
import { ConflictNotice } from '../../components/list/ConflictNotice';
import { TextAreaField } from '../../components/list/TextAreaField';
import { EInvoiceProblems } from '../../components/einvoice/EInvoiceProblems';
import { CustomerPicker, type Customer } from '../../components/lines/CustomerPicker';
import { blankLine, fromLine } from '../../components/lines/editorState';
import { errorsByLine, LineEditor, useLineEditor } from '../../components/lines/LineEditor';
import { useFocusFromHash } from '../../components/useFocusFromHash';
import { useSession } from '../../session';
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
  buyer_reference: string;
  purchase_order_reference: string;
  etag: string;
}

function InvoiceForm({ current, einvoiceErrors }: { current: Tagged | null; einvoiceErrors: FieldError[] | null }) {
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
  const [buyerRef, setBuyerRef] = useState(invoice?.buyer_reference ?? '');
  const [orderRef, setOrderRef] = useState(invoice?.purchase_order_reference ?? '');
  const [conflict, setConflict] = useState<{ fresh: Tagged | null } | null>(null);
  const currency = invoice?.currency ?? customer?.currency ?? company.currency ?? 'EUR';
  const model = useLineEditor(currency, () => (invoice ? invoice.lines.map((l) => fromLine(l, currency, fmt)) : [blankLine()]));
  const dirty =
    model.state.dirty || notes !== (base?.data.notes ?? '') || dueDate !== (base?.data.due_date ?? '') ||
    buyerRef !== (base?.data.buyer_reference ?? '') || orderRef !== (base?.data.purchase_order_reference ?? '') || (!invoice && !!customer);
  const guard = useUnsavedChanges(dirty);

  const save = useLinesSubmit({
    model,
    mutationFn: ({ lines, extra }: { lines: LineRequest[]; extra: Extra }) =>
      invoice
        ? unwrapTagged(
            api.PATCH('/api/v1/invoices/{id}', {
              params: { path: { id: invoice.id }, header: { 'If-Match': extra.etag } },
              body: {
                lines, notes: extra.notes.trim(), due_date: extra.due_date || null,
                buyer_reference: extra.buyer_reference.trim() || null,
                purchase_order_reference: extra.purchase_order_reference.trim() || null,
              },
            }),
          )
        : unwrapTagged(
            api.POST('/api/v1/invoices', {
              body: {
                customer_id: extra.customer_id, lines, notes: extra.notes.trim() || null, due_date: extra.due_date || null,
                ...(extra.buyer_reference.trim() ? { buyer_reference: extra.buyer_reference.trim() } : {}),
                ...(extra.purchase_order_reference.trim() ? { purchase_order_reference: extra.purchase_order_reference.trim() } : {}),
              },
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
    save.submit(
      { customer_id: customer?.id ?? '', notes, due_date: dueDate, buyer_reference: buyerRef, purchase_order_reference: orderRef, etag: base?.etag ?? '' },
      !missing,
    );
  }

  function reload() {
    const fresh = conflict?.fresh;
    if (!fresh) return;
    setBase(fresh);
    model.dispatch({ type: 'reset', lines: fresh.data.lines.map((l) => fromLine(l, currency, fmt)) });
    setNotes(fresh.data.notes ?? '');
    setDueDate(fresh.data.due_date ?? '');
    setBuyerRef(fresh.data.buyer_reference ?? '');
    setOrderRef(fresh.data.purchase_order_reference ?? '');
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
          { field: 'buyer_reference', label: 'Buyer reference', before: base.data.buyer_reference ?? '', after: conflict.fresh.data.buyer_reference ?? '' },
          { field: 'purchase_order_reference', label: 'Purchase order number', before: base.data.purchase_order_reference ?? '', after: conflict.fresh.data.purchase_order_reference ?? '' },
        ].filter((c) => c.before !== c.after)
      : null;
  const isConflict = save.mutation.error instanceof ApiError && save.mutation.error.status === 412;

  // Arrived from "Edit the draft invoice" of an e-invoice problem: its errors are shown at
  // the lines (the i-th line of the invoice is the i-th of the editor when it opened) and
  // the fields until the user saves.
  const { me } = useSession();
  const [openedWith] = useState(() => model.state.lines);
  const passed = einvoiceErrors && einvoiceErrors.length > 0 && save.mutation.isIdle && !save.showErrors ? einvoiceErrors : null;
  const passedFields: Record<string, string> = {};
  for (const e of passed ?? []) passedFields[e.field] ??= e.message;
  let passedLines: Record<string, Record<string, string>> | null = null;
  if (passed) {
    // A line's messages go once it is changed (or removed).
    const all = errorsByLine(passedFields, openedWith.map((l) => l.id));
    passedLines = {};
    for (const [lineId, errors] of Object.entries(all)) {
      const original = openedWith.find((l) => l.id === lineId);
      if (original && model.state.lines.includes(original)) passedLines[lineId] = errors;
    }
  }
  const serverErrors = passedLines ?? save.serverErrors;
  const refError = (field: 'buyer_reference' | 'purchase_order_reference') => fe[field] ?? passedFields[field];

  return (
    <>
      {guard.prompt}
      {conflict ? <ConflictNotice what="invoice" changes={changes} loading={!conflict.fresh} onReload={reload} /> : null}
      <form className="orders-form" noValidate onSubmit={submit} aria-labelledby="invoice-edit-title">
        {!isConflict ? <ProblemMessage problem={save.mutation.formError} title={invoice ? 'Your changes were not saved.' : 'The invoice was not created.'} /> : null}
        {passed && invoice ? (
          <EInvoiceProblems
            error={new ApiError(422, { type: '/problems/einvoice-incomplete', title: 'Not a valid e-invoice', status: 422, detail: '', errors: passed })}
            title="This invoice can’t be issued yet."
            context={{
              invoiceId: invoice.id, customerId: invoice.customer_id, customerName: invoice.customer_name, canEditInvoice: false,
              canManageSettings: me?.permissions.includes('settings:manage') ?? false,
              canReadCustomers: me?.permissions.includes('customers:read') ?? false,
            }}
          />
        ) : null}
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
        <div className="orders-head-fields">
          <TextField
            label="Buyer reference"
            name="buyer_reference"
            maxLength={200}
            autoComplete="off"
            hint="The reference the customer asks for, e.g. a Leitweg-ID. Empty: the customer’s."
            value={buyerRef}
            error={refError('buyer_reference')}
            onChange={(e) => setBuyerRef(e.target.value)}
          />
          <TextField
            label="Purchase order number"
            name="purchase_order_reference"
            maxLength={200}
            autoComplete="off"
            hint="The customer’s order number, if it gave one."
            value={orderRef}
            error={refError('purchase_order_reference')}
            onChange={(e) => setOrderRef(e.target.value)}
          />
        </div>
        <h2 id="invoice-lines-title">Lines</h2>
        <LineEditor
          model={model}
          showErrors={save.showErrors}
          serverErrors={serverErrors}
          linesError={save.linesError ?? (passedFields['lines'] ? passedFields['lines'] : undefined)}
          caption="Invoice lines"
        />
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
  const location = useLocation();
  const passed = (location.state as { einvoiceErrors?: FieldError[] } | null)?.einvoiceErrors ?? null;
  const creating = !id;
  const detail = useQuery({ queryKey: invoiceKey(id ?? ''), queryFn: () => fetchInvoice(id ?? ''), enabled: !creating });
  const title = creating ? 'New invoice' : 'Edit draft invoice';
  usePageTitle(title);
  const back = creating ? '/invoices' : `/invoices/${encodeURIComponent(id)}`;
  useFocusFromHash(creating || detail.isSuccess);
  let body;
  if (creating) body = <InvoiceForm current={null} einvoiceErrors={null} />;
  else if (detail.isPending) body = <Skeleton lines={8} label="Loading the invoice…" />;
  else if (detail.isError) body = <ProblemMessage problem={detail.error} title="The invoice could not be loaded." />;
  else if (detail.data.data.status !== 'draft')
    body = <p className="card">Only a draft invoice can be edited; this one is {detail.data.data.status.replace('_', ' ')}.</p>;
  else body = <InvoiceForm key={detail.data.data.id} current={detail.data} einvoiceErrors={passed} />;
  return (
    <section className="page" aria-labelledby="invoice-edit-title">
      <p><Link to={back}>{creating ? '← Invoices' : '← The invoice'}</Link></p>
      <h1 id="invoice-edit-title">{title}</h1>
      {body}
    </section>
  );
}
