// The frame of a master-data detail page (a customer, a product): loading and error states,
// the way back to the list, the title with its "Archived" badge, a focused notice after an
// action, and the details next to the edit form. The entity pages supply the parts.
import type { UseQueryResult } from '@tanstack/react-query';
import { Fragment, useEffect, useRef, useState, type ReactNode } from 'react';
import { Link, useLocation } from 'react-router';

import { useFormat } from '../../company';
import { usePageTitle } from '../../layout/usePageTitle';
import { ProblemMessage } from '../ProblemMessage';
import { Skeleton } from '../Skeleton';
import './record.css';

/** A ref that takes the focus whenever `key` changes to a truthy value. */
export function useFocusOn<T extends HTMLElement>(key: unknown) {
  const ref = useRef<T>(null);
  useEffect(() => {
    if (key) ref.current?.focus();
  }, [key]);
  return ref;
}

export interface Flash {
  text: string;
  at: number;
}

/** A status line that takes the focus when it appears (after a save, an archive). */
export function Notice({ message }: { message: Flash | null }) {
  const ref = useFocusOn<HTMLParagraphElement>(message?.at);
  if (!message) return null;
  return (
    <p className="notice record-notice" role="status" tabIndex={-1} ref={ref}>
      {message.text}
    </p>
  );
}

/** The trailing rows of a record's details: its ids in other systems and its dates. */
export function RecordMeta({
  externalIds,
  createdAt,
  updatedAt,
}: {
  externalIds: Record<string, string>;
  createdAt: string;
  updatedAt: string;
}) {
  const fmt = useFormat();
  return (
    <>
      {Object.entries(externalIds).map(([system, value]) => (
        <Fragment key={system}>
          <dt>ID in {system}</dt>
          <dd>{value}</dd>
        </Fragment>
      ))}
      <dt>Created</dt>
      <dd>{fmt.dateTime(createdAt)}</dd>
      <dt>Last changed</dt>
      <dd>{fmt.dateTime(updatedAt)}</dd>
    </>
  );
}

export interface RecordPageProps<T> {
  /** "customer": the title while loading and the messages. */
  noun: string;
  /** "/customers" and "Customers": the list this record belongs to. */
  listPath: string;
  listLabel: string;
  detail: UseQueryResult<{ data: T; etag: string }>;
  name: (record: T) => string;
  archived: (record: T) => boolean;
  /** The header's actions (e.g. archive), given the way to show a notice. */
  actions: (current: { data: T; etag: string }, show: (text: string) => void) => ReactNode;
  details: (record: T) => ReactNode;
  edit: (current: { data: T; etag: string }, show: (text: string) => void) => ReactNode;
}

export function RecordPage<T>({ noun, listPath, listLabel, detail, name, archived, actions, details, edit }: RecordPageProps<T>) {
  const location = useLocation();
  const state = location.state as { flash?: string; from?: string } | null;
  const [message, setMessage] = useState<Flash | null>(() => (state?.flash ? { text: state.flash, at: 1 } : null));
  const title = noun.charAt(0).toUpperCase() + noun.slice(1);
  usePageTitle(detail.data ? name(detail.data.data) : title);
  const back = state?.from?.startsWith(listPath) ? state.from : listPath;
  // `at` changes with every notice, so the same text shown twice takes the focus again.
  const show = (text: string) => setMessage((prev) => (text ? { text, at: (prev?.at ?? 0) + 1 } : null));
  const titleId = `${noun}-title`;

  if (detail.isPending) {
    return (
      <section className="page" aria-labelledby={titleId}>
        <h1 id={titleId}>{title}</h1>
        <Skeleton lines={8} label={`Loading the ${noun}…`} />
      </section>
    );
  }
  if (detail.isError) {
    return (
      <section className="page page-message" aria-labelledby={titleId}>
        <h1 id={titleId}>{title}</h1>
        <ProblemMessage problem={detail.error} title={`The ${noun} could not be loaded.`} />
        <p>
          <Link to={listPath}>Back to {listLabel.toLowerCase()}</Link>
        </p>
      </section>
    );
  }
  const record = detail.data.data;
  return (
    <section className="page" aria-labelledby={titleId}>
      <p>
        <Link to={back}>← {listLabel}</Link>
      </p>
      <div className="page-header">
        <h1 id={titleId}>
          {name(record)} {archived(record) ? <span className="badge">Archived</span> : null}
        </h1>
        {actions(detail.data, show)}
      </div>
      <Notice message={message} />
      <div className="record-layout">
        {details(record)}
        {edit(detail.data, show)}
      </div>
    </section>
  );
}
