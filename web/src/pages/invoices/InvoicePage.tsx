import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useRef, useState } from 'react';
import { Link, useLocation, useParams } from 'react-router';

import { api } from '../../api/client';
import { unwrap, unwrapTagged } from '../../api/problem';
import { AuditHistory } from '../../components/audit/AuditHistory';
import { ProblemMessage } from '../../components/ProblemMessage';
import { Skeleton } from '../../components/Skeleton';
import { useMutationForm } from '../../components/useMutationForm';
import { useFormat } from '../../company';
import { usePageTitle } from '../../layout/usePageTitle';
import { useSession } from '../../session';
import { ConfirmButton } from '../../components/ConfirmButton';
import { VAT_CATEGORIES } from '../../components/einvoice/codes';
import { EInvoiceProblems, isEInvoiceProblem, type FixContext } from '../../components/einvoice/EInvoiceProblems';
import { CreditNoteForm } from './CreditNoteForm';
import { DocumentFiles } from './EInvoiceDownloads';
import { actionsFor, documentName, METHOD_LABELS, type Invoice } from './invoiceModel';
import { PaymentForm } from './PaymentForm';
import { SendForm, type SendResponse } from './SendForm';
import { StatusBadge } from './StatusBadge';
import '../../components/list/list.css';
import './invoices.css';

const detailKey = (id: string) => ['invoices', 'detail', id] as const;
type Panel = null | 'payment' | 'credit' | 'send';
type Message = { text: string; at: number } | null;

function Notice({ message }: { message: Message }) {
  const ref = useRef<HTMLParagraphElement>(null);
  useEffect(() => { if (message) ref.current?.focus(); }, [message]);
  if (!message) return null;
  return <p className="notice invoices-notice" role="status" tabIndex={-1} ref={ref}>{message.text}</p>;
}

function Header({ invoice }: { invoice: Invoice }) {
  const fmt = useFormat();
  return (
    <section className="card" aria-labelledby="invoice-details-title">
      <h2 id="invoice-details-title">Details</h2>
      <dl className="invoices-details">
        <dt>Number</dt>
        <dd>{invoice.number ?? 'Assigned when issued'}</dd>
        <dt>Customer</dt>
        <dd><Link to={`/customers/${encodeURIComponent(invoice.customer_id)}`}>{invoice.customer_name}</Link></dd>
        <dt>Status</dt>
        <dd><StatusBadge invoice={invoice} /></dd>
        <dt>Issue date</dt>
        <dd>{invoice.issue_date ? fmt.date(invoice.issue_date) : 'Not issued yet'}</dd>
        {invoice.kind === 'invoice' ? (
          <>
            <dt>Due date</dt>
            <dd>{invoice.due_date ? fmt.date(invoice.due_date) : `${fmt.number(invoice.payment_terms_days)} days after issue`}</dd>
          </>
        ) : null}
        {invoice.paid_on ? (<><dt>Paid on</dt><dd>{fmt.date(invoice.paid_on)}</dd></>) : null}
        <dt>Currency</dt>
        <dd>{invoice.currency}</dd>
        {invoice.kind === 'invoice' || invoice.buyer_reference ? (
          <>
            <dt>Buyer reference</dt>
            <dd>{invoice.buyer_reference ?? 'None on the invoice (the customer’s, if it has one)'}</dd>
          </>
        ) : null}
        {invoice.kind === 'invoice' || invoice.purchase_order_reference ? (
          <>
            <dt>Purchase order</dt>
            <dd>{invoice.purchase_order_reference ?? 'None'}</dd>
          </>
        ) : null}
        {invoice.credited_invoice_id ? (
          <>
            <dt>Credits</dt>
            <dd><Link to={`/invoices/${encodeURIComponent(invoice.credited_invoice_id)}`}>The invoice it credits</Link></dd>
          </>
        ) : null}
        {invoice.order_id ? (
          <>
            <dt>Order</dt>
            <dd><Link to={`/orders/${encodeURIComponent(invoice.order_id)}`}>The order</Link></dd>
          </>
        ) : null}
      </dl>
      {invoice.notes ? (<><h3>{invoice.kind === 'credit_note' ? 'Reason' : 'Notes'}</h3><p className="invoices-notes">{invoice.notes}</p></>) : null}
    </section>
  );
}

const vatName = (code: string) => VAT_CATEGORIES.find((c) => c.code === code)?.name ?? code;

function Lines({ invoice }: { invoice: Invoice }) {
  const fmt = useFormat();
  const m = (amount: number) => fmt.money({ amount, currency: invoice.currency });
  return (
    <section className="card" aria-labelledby="invoice-lines-title">
      <h2 id="invoice-lines-title">Lines</h2>
      {/* Focusable so the keyboard can scroll it sideways on a phone. */}
      <div className="table-wrap" tabIndex={0} role="region" aria-label="Table of lines">
        <table className="table">
          <thead>
            <tr>
              <th scope="col">Description</th>
              <th scope="col" className="num">Quantity</th>
              <th scope="col" className="num">Unit price</th>
              <th scope="col" className="num">Discount</th>
              <th scope="col" className="num">Tax rate</th>
              <th scope="col" className="num">Total</th>
            </tr>
          </thead>
          <tbody>
            {invoice.lines.map((l, i) => (
              <tr key={i}>
                <td>
                  {l.description}
                  {l.vat_category ? (
                    <span className="invoices-vat">
                      VAT category {l.vat_category} ({vatName(l.vat_category)}){l.vat_exemption_reason ? `: ${l.vat_exemption_reason}` : ''}
                    </span>
                  ) : null}
                </td>
                <td className="num">{fmt.number(l.quantity)}</td>
                <td className="num">{m(l.unit_price)}</td>
                <td className="num">{l.discount_amount ? m(l.discount_amount) : ''}</td>
                <td className="num">{fmt.percent(l.tax_rate)}</td>
                <td className="num">{m(l.total)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <dl className="invoices-totals">
        <dt>Subtotal</dt><dd>{m(invoice.totals.subtotal)}</dd>
        {invoice.totals.discount ? (<><dt>Discount</dt><dd>−{m(invoice.totals.discount)}</dd></>) : null}
        <dt>Tax</dt><dd>{m(invoice.totals.tax)}</dd>
        <dt>Total</dt><dd className="invoices-total">{m(invoice.totals.total)}</dd>
        {invoice.kind === 'invoice' && invoice.status !== 'draft' ? (
          <>
            <dt>Paid</dt><dd>{m(invoice.amount_paid)}</dd>
            {invoice.amount_credited ? (<><dt>Credited</dt><dd>{m(invoice.amount_credited)}</dd></>) : null}
            <dt>Balance due</dt><dd className="invoices-total">{m(invoice.balance_due)}</dd>
          </>
        ) : null}
      </dl>
    </section>
  );
}

function Payments({ invoice, canReverse, onReversed }: { invoice: Invoice; canReverse: boolean; onReversed: (text: string) => void }) {
  const fmt = useFormat();
  const queryClient = useQueryClient();
  const payments = useQuery({
    queryKey: ['invoices', 'payments', invoice.id],
    queryFn: () => unwrap(api.GET('/api/v1/invoices/{id}/payments', { params: { path: { id: invoice.id } } })),
  });
  const reverse = useMutationForm({
    mutationFn: (pid: string) => unwrap(api.DELETE('/api/v1/invoices/{id}/payments/{pid}', { params: { path: { id: invoice.id, pid } } })),
    onSuccess: async () => {
      await queryClient.invalidateQueries({ queryKey: ['invoices'] });
      void queryClient.invalidateQueries({ queryKey: ['payments'] });
      void queryClient.invalidateQueries({ queryKey: ['audit'] });
      onReversed('The payment is reversed.');
    },
  });
  const items = [...(payments.data?.items ?? [])].sort((a, b) => a.date.localeCompare(b.date) || a.created_at.localeCompare(b.created_at));
  return (
    <section className="card" aria-labelledby="invoice-payments-title">
      <h2 id="invoice-payments-title">Payments</h2>
      <ProblemMessage problem={reverse.error} title="The payment was not reversed." />
      {payments.isPending ? <Skeleton lines={2} label="Loading payments…" /> : payments.isError ? (
        <ProblemMessage problem={payments.error} title="The payments could not be loaded." />
      ) : items.length === 0 ? <p>No payments yet.</p> : (
        <div className="table-wrap" tabIndex={0} role="region" aria-label="Table of payments">
          <table className="table">
            <thead>
              <tr>
                <th scope="col">Date</th>
                <th scope="col">Method</th>
                <th scope="col">Reference</th>
                <th scope="col" className="num">Amount</th>
                {canReverse ? <th scope="col"><span className="visually-hidden">Actions</span></th> : null}
              </tr>
            </thead>
            <tbody>
              {items.map((p) => (
                <tr key={p.id}>
                  <td>{fmt.date(p.date)}</td>
                  <td>{METHOD_LABELS[p.method]}</td>
                  <td>{p.reference ?? ''}</td>
                  <td className="num">{fmt.money({ amount: p.amount, currency: p.currency })}</td>
                  {canReverse ? (
                    <td>
                      <ConfirmButton label="Reverse" confirmLabel="Yes, reverse" disabled={reverse.isPending}
                        question={`Reverse the payment of ${fmt.money({ amount: p.amount, currency: p.currency })} on ${fmt.date(p.date)}?`}
                        onConfirm={() => reverse.mutate(p.id)} />
                    </td>
                  ) : null}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

function Credits({ invoice }: { invoice: Invoice }) {
  const fmt = useFormat();
  const query = { customer_id: invoice.customer_id, status: 'applied' as const, limit: 100 };
  const notes = useQuery({
    queryKey: ['invoices', 'list', query],
    queryFn: () => unwrap(api.GET('/api/v1/invoices', { params: { query } })),
    enabled: invoice.amount_credited > 0,
  });
  if (invoice.amount_credited === 0) return null;
  const items = (notes.data?.items ?? []).filter((n) => n.credited_invoice_id === invoice.id);
  return (
    <section className="card" aria-labelledby="invoice-credits-title">
      <h2 id="invoice-credits-title">Credit notes</h2>
      {notes.isPending ? <Skeleton lines={1} label="Loading credit notes…" /> : notes.isError ? (
        <ProblemMessage problem={notes.error} title="The credit notes could not be loaded." />
      ) : (
        <ul className="link-list">
          {items.map((n) => (
            <li key={n.id}>
              <Link to={`/invoices/${encodeURIComponent(n.id)}`}>{documentName(n)}</Link>{' '}
              {n.issue_date ? fmt.date(n.issue_date) : ''}: {fmt.money({ amount: n.totals.total, currency: n.currency })}
              {n.notes ? ` (${n.notes})` : ''}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

const EMAIL_STATUS: Record<string, string> = {
  pending: 'being sent', sending: 'being sent', sent: 'sent', failed: 'failed (an administrator can retry it)', discarded: 'discarded',
};

function Emails({ invoice, sent, permissions }: { invoice: Invoice; sent: SendResponse[]; permissions: readonly string[] }) {
  const fmt = useFormat();
  const reminders = useQuery({
    queryKey: ['invoices', 'reminders', invoice.id],
    queryFn: () => unwrap(api.GET('/api/v1/invoices/{id}/reminders', { params: { path: { id: invoice.id } } })),
    enabled: invoice.status !== 'draft',
  });
  if (invoice.status === 'draft') return null;
  const items = reminders.data?.items ?? [];
  return (
    <section className="card" aria-labelledby="invoice-emails-title">
      <h2 id="invoice-emails-title">Emails and reminders</h2>
      {sent.length ? (
        <ul className="link-list">
          {sent.map((s) => (
            <li key={s.outbox_id}>Invoice emailed to {s.to}: {s.status === 'sent' ? 'sent' : 'queued; it is sent as soon as the mail service answers'}.</li>
          ))}
        </ul>
      ) : null}
      {reminders.isPending ? <Skeleton lines={1} label="Loading reminders…" /> : reminders.isError ? (
        <ProblemMessage problem={reminders.error} title="The reminders could not be loaded." />
      ) : items.length === 0 ? <p>No payment reminders sent.</p> : (
        <ul className="link-list">
          {items.map((r, i) => (
            <li key={i}>
              {fmt.date(r.date)}: {r.label}
              {r.to ? ` — to ${r.to}, ${EMAIL_STATUS[r.email_status ?? ''] ?? r.email_status ?? ''}` : ' — not emailed (no address)'}
              {r.late_fee ? `, late fee ${fmt.money({ amount: r.late_fee, currency: invoice.currency })}` : ''}
            </li>
          ))}
        </ul>
      )}
      {permissions.includes('audit:read') ? <p className="field-hint">Every email sent with “Send by email” is in the history below.</p> : null}
    </section>
  );
}

/** One invoice or credit note: details, lines, totals, and the actions its state and the user allow. */
export default function InvoicePage() {
  const { id = '' } = useParams();
  const location = useLocation();
  const { me } = useSession();
  const fmt = useFormat();
  const queryClient = useQueryClient();
  const state = location.state as { from?: string; flash?: string } | null;
  const [message, setMessage] = useState<Message>(() => (state?.flash ? { text: state.flash, at: Date.now() } : null));
  const [panel, setPanel] = useState<Panel>(null);
  const [sent, setSent] = useState<SendResponse[]>([]);
  const show = (text: string) => setMessage({ text, at: Date.now() });
  const detail = useQuery({
    queryKey: detailKey(id),
    queryFn: () => unwrapTagged(api.GET('/api/v1/invoices/{id}', { params: { path: { id } } })),
  });
  const invoice = detail.data?.data;
  usePageTitle(invoice ? documentName(invoice) : 'Invoice');
  const permissions = me?.permissions ?? [];
  const customer = useQuery({
    queryKey: ['customers', 'detail', invoice?.customer_id ?? ''],
    queryFn: () => unwrapTagged(api.GET('/api/v1/customers/{id}', { params: { path: { id: invoice?.customer_id ?? '' } } })),
    enabled: panel === 'send' && !!invoice,
  });

  const after = async (text: string) => {
    await queryClient.invalidateQueries({ queryKey: ['invoices'] });
    void queryClient.invalidateQueries({ queryKey: ['audit'] });
    show(text);
  };
  const issue = useMutationForm({
    mutationFn: () => unwrap(api.POST('/api/v1/invoices/{id}/issue', { params: { path: { id } }, body: {} })),
    onMutate: () => setMessage(null),
    onSuccess: (i) => after(`The invoice is issued as ${i.number ?? ''}.`),
    onError: () => void queryClient.invalidateQueries({ queryKey: detailKey(id) }),
  });
  const voidIt = useMutationForm({
    mutationFn: () => unwrap(api.POST('/api/v1/invoices/{id}/void', { params: { path: { id } } })),
    onSuccess: () => after('The invoice is void. Its number stays used; nothing is owed on it.'),
    onError: () => void queryClient.invalidateQueries({ queryKey: detailKey(id) }),
  });

  const back = state?.from?.startsWith('/invoices') ? state.from : '/invoices';
  if (detail.isPending) {
    return (
      <section className="page" aria-labelledby="invoice-title">
        <h1 id="invoice-title">Invoice</h1>
        <Skeleton lines={8} label="Loading the invoice…" />
      </section>
    );
  }
  if (detail.isError || !invoice) {
    return (
      <section className="page page-message" aria-labelledby="invoice-title">
        <h1 id="invoice-title">Invoice</h1>
        <ProblemMessage problem={detail.error} title="The invoice could not be loaded." />
        <p><Link to="/invoices">Back to invoices</Link></p>
      </section>
    );
  }
  const can = actionsFor(invoice, permissions);
  const name = documentName(invoice);
  const fixes: FixContext = {
    invoiceId: invoice.id,
    customerId: invoice.customer_id,
    customerName: invoice.customer_name,
    canEditInvoice: can.edit,
    canManageSettings: permissions.includes('settings:manage'),
    canReadCustomers: permissions.includes('customers:read'),
  };
  const fileName = `${invoice.number ?? `draft-${invoice.id}`}.pdf`;
  const close = () => setPanel(null);

  return (
    <section className="page" aria-labelledby="invoice-title">
      <p><Link to={back}>← Invoices</Link></p>
      <div className="page-header">
        <h1 id="invoice-title">
          {invoice.kind === 'credit_note' && invoice.number ? `Credit note ${invoice.number}` : name} <StatusBadge invoice={invoice} />
        </h1>
      </div>
      <div className="button-row invoices-actions" role="group" aria-label="Invoice actions">
        {can.edit ? <Link className="button" to={`/invoices/${encodeURIComponent(id)}/edit`}>Edit draft</Link> : null}
        {can.issue ? (
          <button type="button" className="button button-primary" disabled={issue.isPending} onClick={() => issue.mutate(undefined)}>
            {issue.isPending ? 'Issuing…' : 'Issue invoice'}
          </button>
        ) : null}
        {can.recordPayment ? <button type="button" className="button button-primary" aria-expanded={panel === 'payment'} onClick={() => setPanel('payment')}>Record a payment</button> : null}
        {can.send ? <button type="button" className="button" aria-expanded={panel === 'send'} onClick={() => setPanel('send')}>Send by email</button> : null}
        {can.creditNote ? <button type="button" className="button" aria-expanded={panel === 'credit'} onClick={() => setPanel('credit')}>Issue a credit note</button> : null}
        {can.void ? (
          <ConfirmButton label="Void invoice" confirmLabel="Yes, void" disabled={voidIt.isPending}
            question={`Void ${name}? Nothing will be owed on it, and this can’t be undone.`} onConfirm={() => voidIt.mutate(undefined)} />
        ) : null}
      </div>
      {isEInvoiceProblem(issue.error) ? (
        <EInvoiceProblems error={issue.error} title="The invoice was not issued." context={fixes} />
      ) : (
        <ProblemMessage problem={issue.formError} title="The invoice was not issued." />
      )}
      <ProblemMessage problem={voidIt.formError} title="The invoice was not voided." />
      <Notice message={message} />
      {panel === 'payment' && can.recordPayment ? (
        <PaymentForm invoice={invoice} onCancel={close}
          onDone={(p) => { close(); show(`A payment of ${fmt.money({ amount: p.amount, currency: p.currency })} is recorded.`); }} />
      ) : null}
      {panel === 'credit' && can.creditNote ? (
        <CreditNoteForm invoice={invoice} fixes={fixes} onCancel={close}
          onDone={(n) => { close(); show(`Credit note ${n.number ?? ''} is issued for ${fmt.money({ amount: n.totals.total, currency: n.currency })}.`); }} />
      ) : null}
      {panel === 'send' && can.send ? (
        customer.isPending && !customer.isError ? <Skeleton lines={2} label="Loading the customer’s address…" /> : (
          <SendForm invoice={invoice} customerEmail={customer.data?.data.email} onCancel={close}
            onDone={(r) => {
              close();
              setSent((s) => [...s, r]);
              show(r.status === 'sent' ? `The invoice is emailed to ${r.to}.` : `The email to ${r.to} is queued; it is sent as soon as the mail service answers.`);
            }} />
        )
      ) : null}
      <div className="invoices-layout">
        <Header invoice={invoice} />
        <Lines invoice={invoice} />
        {invoice.kind === 'invoice' && invoice.status !== 'draft' && permissions.includes('payments:read') ? (
          <Payments invoice={invoice} canReverse={can.reversePayment} onReversed={show} />
        ) : null}
        <Credits invoice={invoice} />
        <Emails invoice={invoice} sent={sent} permissions={permissions} />
        <DocumentFiles invoice={invoice} title={`PDF of ${name}`} fileName={fileName} context={fixes} />
      </div>
      <AuditHistory entityType="invoice" entityId={invoice.id} />
    </section>
  );
}
