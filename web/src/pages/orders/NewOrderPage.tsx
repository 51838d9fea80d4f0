import { useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { Link, useNavigate } from 'react-router';

import { api } from '../../api/client';
import { unwrapTagged } from '../../api/problem';
import type { Schema } from '../../api/types';
import { useCompany } from '../../company';
import { ProblemMessage } from '../../components/ProblemMessage';
import { CustomerPicker, type Customer } from '../../components/lines/CustomerPicker';
import { blankLine } from '../../components/lines/editorState';
import { LineEditor, useLineEditor } from '../../components/lines/LineEditor';
import { useUnsavedChanges } from '../../components/lines/UnsavedChanges';
import { useLinesSubmit } from '../../components/lines/useLinesSubmit';
import { TextAreaField } from '../../components/list/TextAreaField';
import { usePageTitle } from '../../layout/usePageTitle';
import './orders.css';

/** A new draft order: its customer, lines and notes. */
export default function NewOrderPage() {
  usePageTitle('New order');
  const company = useCompany();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const [customer, setCustomer] = useState<Customer | null>(null);
  const [notes, setNotes] = useState('');
  const [customerError, setCustomerError] = useState<string | undefined>();
  const currency = customer?.currency ?? company.currency ?? 'EUR';
  const model = useLineEditor(currency, () => [blankLine()]);
  const guard = useUnsavedChanges(model.state.dirty || !!customer || notes !== '');
  const save = useLinesSubmit({
    model,
    mutationFn: ({ lines, extra }: { lines: Schema<'LineRequest'>[]; extra: { customer_id: string; notes: string } }) =>
      unwrapTagged(api.POST('/api/v1/orders', { body: { customer_id: extra.customer_id, lines, notes: extra.notes.trim() || null } })),
    onSuccess: ({ data }) => {
      void queryClient.invalidateQueries({ queryKey: ['orders'] });
      guard.release();
      navigate(`/orders/${encodeURIComponent(data.id)}`, { state: { flash: 'The order is created as a draft.' } });
    },
  });

  function submit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const missing = customer ? undefined : 'Choose the customer.';
    setCustomerError(missing);
    save.submit({ customer_id: customer?.id ?? '', notes }, !missing);
  }

  const fe = save.mutation.fieldErrors;
  return (
    <section className="page" aria-labelledby="new-order-title">
      <p><Link to="/orders">← Orders</Link></p>
      <h1 id="new-order-title">New order</h1>
      {guard.prompt}
      <form className="orders-form" noValidate onSubmit={submit} aria-labelledby="new-order-title">
        <ProblemMessage problem={save.mutation.formError} title="The order was not created." />
        <div className="orders-head-fields">
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
          <p className="orders-currency">Currency: <strong>{currency}</strong>{customer ? ' (the customer’s)' : ''}</p>
        </div>
        <h2 id="new-order-lines">Lines</h2>
        <LineEditor model={model} showErrors={save.showErrors} serverErrors={save.serverErrors} linesError={save.linesError} caption="Order lines" />
        <TextAreaField label="Notes" name="notes" value={notes} maxLength={2000} error={fe['notes']} onChange={(e) => setNotes(e.target.value)} />
        <div className="button-row">
          <button type="submit" className="button button-primary" disabled={save.mutation.isPending}>
            {save.mutation.isPending ? 'Creating…' : 'Create order'}
          </button>
        </div>
      </form>
    </section>
  );
}
