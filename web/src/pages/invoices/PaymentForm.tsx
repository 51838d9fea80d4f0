// Record a payment. The form sends one Idempotency-Key for its whole life (a double click,
// a re-submit or the automatic retry after a network failure records the payment once); a
// new form (after a success) gets a new key.
import { useQueryClient } from '@tanstack/react-query';
import { useRef, useState, type FormEvent } from 'react';

import { api } from '../../api/client';
import { ApiError, unwrap } from '../../api/problem';
import { SelectField, TextField } from '../../components/fields';
import { ProblemMessage } from '../../components/ProblemMessage';
import { useMutationForm } from '../../components/useMutationForm';
import { useFormat } from '../../company';
import { METHOD_LABELS, newIdempotencyKey, type Invoice, type Payment, type PaymentMethod } from './invoiceModel';

type Body = { amount: number; date: string | null; method: PaymentMethod; reference: string | null };

export function PaymentForm({ invoice, onDone, onCancel }: { invoice: Invoice; onDone: (p: Payment) => void; onCancel: () => void }) {
  const fmt = useFormat();
  const queryClient = useQueryClient();
  const [key] = useState(newIdempotencyKey);
  const formRef = useRef<HTMLFormElement>(null);
  const [amount, setAmount] = useState(() => fmt.moneyInput(invoice.balance_due, invoice.currency));
  const [date, setDate] = useState(() => fmt.today());
  const [method, setMethod] = useState<PaymentMethod>('bank_transfer');
  const [reference, setReference] = useState('');
  const [local, setLocal] = useState<Record<string, string>>({});

  const save = useMutationForm({
    mutationFn: (body: Body) =>
      unwrap(api.POST('/api/v1/invoices/{id}/payments', {
        params: { path: { id: invoice.id }, header: { 'Idempotency-Key': key } },
        body,
      })),
    // A lost answer is retried with the same key: the server replays the payment it recorded.
    retry: (count, error) => error instanceof TypeError && count < 2,
    retryDelay: 400,
    onSuccess: async (payment) => {
      await queryClient.invalidateQueries({ queryKey: ['invoices'] });
      await queryClient.invalidateQueries({ queryKey: ['payments'] });
      void queryClient.invalidateQueries({ queryKey: ['audit'] });
      onDone(payment);
    },
    onError: () => setTimeout(() => formRef.current?.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus(), 0),
  });

  function submit(e: FormEvent) {
    e.preventDefault();
    if (save.isPending) return;
    const errors: Record<string, string> = {};
    const minor = fmt.parseMoney(amount, invoice.currency);
    if (amount.trim() === '') errors.amount = 'Enter the amount received.';
    else if (minor === null) errors.amount = `Enter an amount, for example ${fmt.moneyInput(1250, invoice.currency)}.`;
    else if (minor <= 0) errors.amount = 'Enter an amount above zero.';
    if (!/^\d{4}-\d{2}-\d{2}$/.test(date)) errors.date = 'Enter the date the payment was received.';
    setLocal(errors);
    if (Object.keys(errors).length) {
      save.reset();
      setTimeout(() => formRef.current?.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus(), 0);
      return;
    }
    save.mutate({ amount: minor as number, date, method, reference: reference.trim() || null });
  }

  const serverError = (field: string) => {
    const m = save.fieldErrors[field];
    if (!m) return undefined;
    if (field === 'amount' && /exceeds the balance due/.test(m))
      return `The amount is more than the balance due (${fmt.money({ amount: invoice.balance_due, currency: invoice.currency })}).`;
    if (field === 'date' && /before/.test(m))
      return `The date is before the invoice’s issue date${invoice.issue_date ? ` (${fmt.date(invoice.issue_date)})` : ''}.`;
    return `${m.charAt(0).toUpperCase()}${m.slice(1)}.`.replace(/\.\.$/, '.');
  };
  const reused = save.error instanceof ApiError && save.error.kind === 'idempotency-key-reused';

  return (
    <section className="card" aria-labelledby="payment-form-title">
      <h2 id="payment-form-title">Record a payment</h2>
      <form ref={formRef} className="form" noValidate onSubmit={submit} aria-labelledby="payment-form-title">
        {reused ? (
          <div className="problem" role="alert">
            <p>This payment may already be recorded with other values. Close the form, check the payments, and record it again if it is missing.</p>
          </div>
        ) : (
          <ProblemMessage problem={Object.keys(local).length ? null : save.formError} />
        )}
        <TextField label={`Amount (${invoice.currency})`} name="amount" inputMode="decimal" required autoComplete="off"
          hint={`Balance due: ${fmt.money({ amount: invoice.balance_due, currency: invoice.currency })}`}
          error={local.amount ?? serverError('amount')} value={amount} onChange={(e) => setAmount(e.target.value)} />
        <TextField label="Date received" name="date" type="date" required error={local.date ?? serverError('date')}
          value={date} min={invoice.issue_date ?? undefined} onChange={(e) => setDate(e.target.value)} />
        <SelectField label="Method" name="method" value={method} error={serverError('method')}
          options={(Object.keys(METHOD_LABELS) as PaymentMethod[]).map((m) => ({ value: m, label: METHOD_LABELS[m] }))}
          onChange={(e) => setMethod(e.target.value as PaymentMethod)} />
        <TextField label="Reference" name="reference" maxLength={200} hint="Optional, e.g. the bank transfer’s reference."
          error={serverError('reference')} value={reference} onChange={(e) => setReference(e.target.value)} />
        <div className="button-row">
          <button type="submit" className="button button-primary" aria-disabled={save.isPending || undefined}>
            {save.isPending ? 'Recording…' : 'Record payment'}
          </button>
          <button type="button" className="button" onClick={onCancel}>Cancel</button>
        </div>
      </form>
    </section>
  );
}
