import { useInfiniteQuery, useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useSearchParams } from 'react-router';

import { api } from '../../api/client';
import { unwrap } from '../../api/problem';
import type { Schema } from '../../api/types';
import { SelectField } from '../../components/fields';
import { ProblemMessage } from '../../components/ProblemMessage';
import { Skeleton } from '../../components/Skeleton';
import { useFormat } from '../../company';
import { usePageTitle } from '../../layout/usePageTitle';
import './outbox.css';

type Message = Schema<'OutboxView'>;
type Status = 'failed' | 'pending';

const KIND_LABELS: Record<string, string> = {
  invite: 'Invitation',
  password_reset: 'Password reset',
  verify_email: 'Email confirmation',
  registration: 'Registration',
  bank_details_changed: 'Bank details changed',
  invoice: 'Invoice',
  reminder: 'Payment reminder',
};
const kindLabel = (k: string) => KIND_LABELS[k] ?? k.replace(/_/g, ' ').replace(/^./, (c) => c.toUpperCase());

const STATUS_LABELS: Record<string, string> = { failed: 'Failed', pending: 'Waiting', sending: 'Sending', sent: 'Sent' };

function RetryButton({ message, onResult }: { message: Message; onResult: (text: string | null, problem: unknown) => void }) {
  const queryClient = useQueryClient();
  const retry = useMutation({
    mutationFn: () => unwrap(api.POST('/api/v1/outbox/{id}/retry', { params: { path: { id: message.id } } })),
    onMutate: () => onResult(null, null),
    onSuccess: (m) => {
      const what = `${kindLabel(m.kind)} to ${m.to}`;
      if (m.status === 'sent') onResult(`${what} was sent.`, null);
      else if (m.status === 'failed') onResult(`${what} failed again${m.last_error ? `: ${m.last_error}` : '.'}`, null);
      else onResult(`${what} is queued again (${STATUS_LABELS[m.status] ?? m.status}${m.last_error ? `; last error: ${m.last_error}` : ''}).`, null);
      void queryClient.invalidateQueries({ queryKey: ['outbox'] });
    },
    onError: (e) => onResult(null, e),
  });
  return (
    <button type="button" className="button" disabled={retry.isPending} onClick={() => retry.mutate()}>
      {retry.isPending ? 'Sending…' : <>Retry{' '}<span className="visually-hidden">the {kindLabel(message.kind).toLowerCase()} to {message.to}</span></>}
    </button>
  );
}

/** Failed emails (admin): what could not be sent, and a retry. */
export default function OutboxPage() {
  usePageTitle('Failed emails');
  const fmt = useFormat();
  const [params, setParams] = useSearchParams();
  const status: Status = params.get('status') === 'pending' ? 'pending' : 'failed';
  const [result, setResult] = useState<string | null>(null);
  const [problem, setProblem] = useState<unknown>(null);
  const list = useInfiniteQuery({
    queryKey: ['outbox', 'list', { status }],
    queryFn: ({ pageParam }) =>
      unwrap(api.GET('/api/v1/outbox', { params: { query: { status, limit: 50, ...(pageParam ? { cursor: pageParam } : {}) } } })),
    initialPageParam: '' as string,
    getNextPageParam: (last) => last.next_cursor ?? undefined,
  });
  const items = list.data?.pages.flatMap((p) => p.items) ?? [];

  return (
    <section className="page outbox" aria-labelledby="outbox-title">
      <div className="page-header">
        <h1 id="outbox-title">Failed emails</h1>
      </div>
      <p className="outbox-intro">
        Emails the app could not send after every retry (or that are still waiting). Their content is not shown: it can
        hold sign-in links.
      </p>
      <div className="toolbar">
        <SelectField
          label="Show"
          name="status"
          options={[
            { value: 'failed', label: 'Failed emails' },
            { value: 'pending', label: 'Emails waiting to be sent' },
          ]}
          value={status}
          onChange={(e) => {
            setResult(null);
            setProblem(null);
            setParams(e.target.value === 'failed' ? {} : { status: e.target.value }, { replace: true });
          }}
        />
      </div>
      <div role="status" aria-live="polite">
        {result ? <p className="notice">{result}</p> : null}
      </div>
      <ProblemMessage problem={problem} title="The email could not be retried." />
      {list.isPending ? (
        <Skeleton lines={4} label="Loading emails…" />
      ) : list.isError ? (
        <ProblemMessage problem={list.error} title="The emails could not be loaded." />
      ) : items.length === 0 ? (
        <p>{status === 'failed' ? 'No email failed. Everything was sent.' : 'No email is waiting to be sent.'}</p>
      ) : (
        <div className="table-wrap">
          <table className="table table-cards outbox-table">
            <caption className="visually-hidden">{status === 'failed' ? 'Failed emails' : 'Emails waiting to be sent'}</caption>
            <thead>
              <tr>
                <th scope="col">Email</th>
                <th scope="col">Recipient</th>
                <th scope="col">Subject</th>
                <th scope="col" className="num">Attempts</th>
                <th scope="col">Last error</th>
                <th scope="col">Queued</th>
                <th scope="col">Status</th>
                {status === 'failed' ? <th scope="col">Action</th> : null}
              </tr>
            </thead>
            <tbody>
              {items.map((m) => (
                <tr key={m.id}>
                  <th scope="row">{kindLabel(m.kind)}</th>
                  <td className="outbox-wrap" data-label="Recipient">{m.to}</td>
                  <td className="outbox-wrap" data-label="Subject">{m.subject}</td>
                  <td className="num" data-label="Attempts">{fmt.number(m.attempts)}</td>
                  <td className="outbox-wrap outbox-error" data-label="Last error">{m.last_error ?? '—'}</td>
                  <td data-label="Queued">{fmt.dateTime(m.created_at)}</td>
                  <td data-label="Status">
                    <span className="badge">{STATUS_LABELS[m.status] ?? m.status}</span>
                  </td>
                  {status === 'failed' ? (
                    <td data-label="Action">
                      {m.status === 'failed' ? (
                        <RetryButton
                          message={m}
                          onResult={(text, p) => {
                            setResult(text);
                            setProblem(p);
                          }}
                        />
                      ) : null}
                    </td>
                  ) : null}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {list.hasNextPage ? (
        <button type="button" className="button" disabled={list.isFetchingNextPage} onClick={() => void list.fetchNextPage()}>
          {list.isFetchingNextPage ? 'Loading…' : 'Show more'}
        </button>
      ) : null}
    </section>
  );
}
