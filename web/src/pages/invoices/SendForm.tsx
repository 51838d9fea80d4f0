// Email the invoice (its PDF attached): to the customer's address or another one. The API
// answers 202 with the outbox message's status: `sent`, or `pending` while it is retried.
import { useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';

import { api } from '../../api/client';
import { unwrap } from '../../api/problem';
import type { Schema } from '../../api/types';
import { TextField } from '../../components/fields';
import { ProblemMessage } from '../../components/ProblemMessage';
import { useMutationForm } from '../../components/useMutationForm';
import type { Invoice } from './invoiceModel';

export type SendResponse = Schema<'SendResponse'>;

export function SendForm({ invoice, customerEmail, onDone, onCancel }: {
  invoice: Invoice; customerEmail: string | null | undefined; onDone: (r: SendResponse) => void; onCancel: () => void;
}) {
  const queryClient = useQueryClient();
  const [other, setOther] = useState(!customerEmail);
  const [to, setTo] = useState('');
  const [local, setLocal] = useState<string | undefined>();
  const send = useMutationForm({
    mutationFn: (body: Schema<'SendRequest'>) => unwrap(api.POST('/api/v1/invoices/{id}/send', { params: { path: { id: invoice.id } }, body })),
    onSuccess: (r) => {
      void queryClient.invalidateQueries({ queryKey: ['audit'] });
      onDone(r);
    },
  });
  function submit(e: FormEvent) {
    e.preventDefault();
    if (other && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(to.trim())) {
      setLocal('Enter an email address, for example accounts@example.com.');
      send.reset();
      return;
    }
    setLocal(undefined);
    send.mutate(other ? { to: to.trim() } : {});
  }
  const toError = local ?? (send.fieldErrors.to ? `${send.fieldErrors.to.charAt(0).toUpperCase()}${send.fieldErrors.to.slice(1)}.` : undefined);
  return (
    <section className="card" aria-labelledby="send-form-title">
      <h2 id="send-form-title">Send by email</h2>
      <form className="form" noValidate onSubmit={submit} aria-labelledby="send-form-title">
        <ProblemMessage problem={local ? null : send.formError} />
        <fieldset className="invoices-fieldset">
          <legend>Send to</legend>
          {customerEmail ? (
            <label className="field-check">
              <input type="radio" name="recipient" checked={!other} onChange={() => setOther(false)} />
              The customer: {customerEmail}
            </label>
          ) : null}
          <label className="field-check">
            <input type="radio" name="recipient" checked={other} onChange={() => setOther(true)} />
            {customerEmail ? 'Another address' : 'An address (the customer has none)'}
          </label>
        </fieldset>
        {other ? (
          <TextField label="Email address" name="to" type="email" autoComplete="email" required error={toError}
            value={to} onChange={(e) => setTo(e.target.value)} />
        ) : null}
        <div className="button-row">
          <button type="submit" className="button button-primary" disabled={send.isPending}>{send.isPending ? 'Sending…' : 'Send'}</button>
          <button type="button" className="button" onClick={onCancel}>Cancel</button>
        </div>
      </form>
    </section>
  );
}
