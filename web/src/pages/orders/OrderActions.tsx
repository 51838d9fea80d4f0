// The actions of an order, each shown only when its status and the user's permissions allow:
// confirm and cancel (orders:write), make the invoice (invoices:write; opens the new invoice).
import { useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useNavigate } from 'react-router';

import { api } from '../../api/client';
import { unwrap, unwrapTagged } from '../../api/problem';
import { ProblemMessage } from '../../components/ProblemMessage';
import { useMutationForm } from '../../components/useMutationForm';
import { usePermission } from '../../session';
import { allowed, orderKey, type Order } from './orders';

export function OrderActions({ order, dirty, onDone }: { order: Order; dirty: boolean; onDone: (text: string) => void }) {
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const canWrite = usePermission('orders:write');
  const canInvoice = usePermission('invoices:write');
  const can = allowed(order.status);
  const [confirmingCancel, setConfirmingCancel] = useState(false);
  const path = { params: { path: { id: order.id } } };
  const refresh = async () => {
    await queryClient.invalidateQueries({ queryKey: ['orders'] });
    void queryClient.invalidateQueries({ queryKey: ['audit'] });
  };

  const confirm = useMutationForm({
    mutationFn: () => unwrapTagged(api.POST('/api/v1/orders/{id}/confirm', path)),
    onSuccess: async (saved) => {
      queryClient.setQueryData(orderKey(order.id), saved);
      await refresh();
      onDone('The order is confirmed.');
    },
  });
  const cancel = useMutationForm({
    mutationFn: () => unwrapTagged(api.POST('/api/v1/orders/{id}/cancel', path)),
    onSuccess: async (saved) => {
      setConfirmingCancel(false);
      queryClient.setQueryData(orderKey(order.id), saved);
      await refresh();
      onDone('The order is cancelled.');
    },
  });
  const invoice = useMutationForm({
    mutationFn: () => unwrap(api.POST('/api/v1/orders/{id}/invoice', path)),
    onSuccess: async (inv) => {
      await refresh();
      void queryClient.invalidateQueries({ queryKey: ['invoices'] });
      navigate(`/invoices/${encodeURIComponent(inv.id)}`, { state: { flash: 'The draft invoice is made from the order.' } });
    },
  });

  const showConfirm = canWrite && can.confirm;
  const showCancel = canWrite && can.cancel;
  const showInvoice = canInvoice && can.invoice;
  if (!showConfirm && !showCancel && !showInvoice) return null;
  const error = confirm.error ?? cancel.error ?? invoice.error;
  return (
    <div className="orders-actions">
      <ProblemMessage problem={error} title="That did not work." />
      <div className="button-row">
        {showConfirm ? (
          dirty ? (
            <p className="orders-hint">Save your changes before confirming.</p>
          ) : (
            <button type="button" className="button button-primary" disabled={confirm.isPending} onClick={() => confirm.mutate(undefined)}>
              {confirm.isPending ? 'Confirming…' : 'Confirm order'}
            </button>
          )
        ) : null}
        {showInvoice ? (
          <button type="button" className="button button-primary" disabled={invoice.isPending} onClick={() => invoice.mutate(undefined)}>
            {invoice.isPending ? 'Making the invoice…' : 'Make the invoice'}
          </button>
        ) : null}
        {showCancel && !confirmingCancel ? (
          <button type="button" className="button button-danger" onClick={() => { cancel.reset(); setConfirmingCancel(true); }}>
            Cancel order
          </button>
        ) : null}
      </div>
      {showCancel && confirmingCancel ? (
        <div className="card orders-confirm" role="group" aria-labelledby="cancel-order-title">
          <p id="cancel-order-title"><strong>Cancel this order?</strong> It stays readable but can’t be confirmed or invoiced any more.</p>
          <div className="button-row">
            <button type="button" className="button button-danger" disabled={cancel.isPending} onClick={() => cancel.mutate(undefined)}>
              {cancel.isPending ? 'Cancelling…' : 'Yes, cancel the order'}
            </button>
            <button type="button" className="button" onClick={() => setConfirmingCancel(false)}>Keep the order</button>
          </div>
        </div>
      ) : null}
    </div>
  );
}
