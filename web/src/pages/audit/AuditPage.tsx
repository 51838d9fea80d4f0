import { useQuery } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { Link, useSearchParams } from 'react-router';

import { api } from '../../api/client';
import { unwrap } from '../../api/problem';
import type { operations } from '../../api/types';
import { AuditEntry } from '../../components/audit/AuditEntry';
import { learnNames } from '../../components/audit/describe';
import { useUserNames } from '../../components/audit/useUserNames';
import { SelectField, TextField } from '../../components/fields';
import { ProblemMessage } from '../../components/ProblemMessage';
import { Skeleton } from '../../components/Skeleton';
import { usePageTitle } from '../../layout/usePageTitle';
import '../../components/audit/audit.css';
import './audit.css';

type AuditQuery = NonNullable<operations['list_audit']['parameters']['query']>;

const ENTITY_TYPES = [
  { value: '', label: 'Any' },
  { value: 'customer', label: 'Customer' },
  { value: 'product', label: 'Product' },
  { value: 'order', label: 'Order' },
  { value: 'invoice', label: 'Invoice' },
  { value: 'payment', label: 'Payment' },
  { value: 'user', label: 'User' },
  { value: 'settings', label: 'Settings' },
  { value: 'outbox', label: 'Email' },
];

const FILTERS = ['entity_type', 'entity_id', 'actor_id', 'from', 'to'] as const;
type Filter = (typeof FILTERS)[number];
const DATE = /^\d{4}-\d{2}-\d{2}$/;
const PAGE = 50;

function queryOf(params: URLSearchParams): AuditQuery {
  const q: AuditQuery = { limit: PAGE };
  for (const f of FILTERS) {
    const v = params.get(f)?.trim();
    if (v) q[f] = v;
  }
  const cursor = params.get('cursor');
  if (cursor) q.cursor = cursor;
  return q;
}

function Filters({ params, onApply }: { params: URLSearchParams; onApply: (next: Record<Filter, string>) => void }) {
  const names = useUserNames();
  const [draft, setDraft] = useState<Record<Filter, string>>(() => {
    const d = {} as Record<Filter, string>;
    for (const f of FILTERS) d[f] = params.get(f) ?? '';
    return d;
  });
  const [errors, setErrors] = useState<Record<string, string>>({});
  const set = (f: Filter, v: string) => setDraft({ ...draft, [f]: v });

  function submit(e: FormEvent) {
    e.preventDefault();
    const errs: Record<string, string> = {};
    const t = draft.entity_type.trim();
    const id = draft.entity_id.trim();
    if (t && !id) errs.entity_id = 'Enter the record’s id to see its history.';
    if (id && !t) errs.entity_type = 'Choose the kind of record.';
    if (draft.from && !DATE.test(draft.from)) errs.from = 'Enter a date.';
    if (draft.to && !DATE.test(draft.to)) errs.to = 'Enter a date.';
    if (draft.from && draft.to && DATE.test(draft.from) && DATE.test(draft.to) && draft.from > draft.to) errs.to = 'The end is before the start.';
    setErrors(errs);
    if (Object.keys(errs).length === 0) onApply(draft);
  }

  const actorOptions = [{ value: '', label: 'Anyone' }, ...names.users.map((u) => ({ value: u.id, label: `${u.name} (${u.email})` }))];
  if (draft.actor_id && !names.users.some((u) => u.id === draft.actor_id)) actorOptions.push({ value: draft.actor_id, label: draft.actor_id });

  return (
    <form className="toolbar audit-filters" noValidate onSubmit={submit} aria-label="Filter the audit trail">
      <SelectField label="Kind of record" name="entity_type" options={ENTITY_TYPES} value={draft.entity_type} error={errors.entity_type} onChange={(e) => set('entity_type', e.target.value)} />
      <TextField label="Record id" name="entity_id" value={draft.entity_id} error={errors.entity_id} autoComplete="off" onChange={(e) => set('entity_id', e.target.value)} />
      {names.users.length ? (
        <SelectField label="Done by" name="actor_id" options={actorOptions} value={draft.actor_id} onChange={(e) => set('actor_id', e.target.value)} />
      ) : (
        <TextField label="Done by (user id)" name="actor_id" value={draft.actor_id} autoComplete="off" onChange={(e) => set('actor_id', e.target.value)} />
      )}
      <TextField label="From" name="from" type="date" value={draft.from} error={errors.from} onChange={(e) => set('from', e.target.value)} />
      <TextField label="To" name="to" type="date" value={draft.to} error={errors.to} onChange={(e) => set('to', e.target.value)} />
      <div className="audit-filter-buttons">
        <button type="submit" className="button button-primary">
          Show
        </button>
        <button
          type="button"
          className="button"
          onClick={() => {
            const empty = { entity_type: '', entity_id: '', actor_id: '', from: '', to: '' };
            setDraft(empty);
            setErrors({});
            onApply(empty);
          }}
        >
          Clear filters
        </button>
      </div>
    </form>
  );
}

/** The audit trail (audit:read): the activity feed or one record's history, filters in the URL. */
export default function AuditPage() {
  usePageTitle('Audit trail');
  const [params, setParams] = useSearchParams();
  const query = queryOf(params);
  const names = useUserNames();
  const feed = useQuery({
    queryKey: ['audit', 'list', query],
    queryFn: () => unwrap(api.GET('/api/v1/audit', { params: { query } })),
  });
  const records = feed.data?.items ?? [];
  const known = learnNames(records);
  const paged = Boolean(query.cursor);
  const oneRecord = query.entity_type && query.entity_id;

  return (
    <section className="page audit" aria-labelledby="audit-title">
      <div className="page-header">
        <h1 id="audit-title">Audit trail</h1>
      </div>
      <p className="audit-intro">Every change, newest first: who did what and when.</p>
      <Filters
        key={FILTERS.map((f) => params.get(f) ?? '').join('|')}
        params={params}
        onApply={(f) => {
          const next = new URLSearchParams();
          for (const k of FILTERS) if (f[k].trim()) next.set(k, f[k].trim());
          setParams(next);
        }}
      />
      {oneRecord ? (
        <p>
          The history of {query.entity_type} {query.entity_id}.{' '}
          <Link to="/audit">Show all activity</Link>
        </p>
      ) : null}
      {feed.isPending ? (
        <Skeleton lines={5} label="Loading the audit trail…" />
      ) : feed.isError ? (
        <ProblemMessage problem={feed.error} title="The audit trail could not be loaded." />
      ) : records.length === 0 ? (
        <p>{paged ? 'There are no older entries.' : 'Nothing is recorded for these filters.'}</p>
      ) : (
        <ol className="audit-list card" aria-label="Audit entries">
          {records.map((r) => (
            <AuditEntry key={r.id} record={r} names={names} known={known} />
          ))}
        </ol>
      )}
      <nav className="button-row" aria-label="Pages of the audit trail">
        {paged ? (
          <button
            type="button"
            className="button"
            onClick={() => {
              const next = new URLSearchParams(params);
              next.delete('cursor');
              setParams(next);
            }}
          >
            Newest entries
          </button>
        ) : null}
        {feed.data?.next_cursor ? (
          <button
            type="button"
            className="button"
            onClick={() => {
              const next = new URLSearchParams(params);
              next.set('cursor', feed.data.next_cursor ?? '');
              setParams(next);
            }}
          >
            Older entries
          </button>
        ) : null}
      </nav>
    </section>
  );
}
