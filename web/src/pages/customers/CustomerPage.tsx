import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useRef, useState, type FormEvent } from 'react';
import { useParams } from 'react-router';

import { api } from '../../api/client';
import { ApiError, unwrap, unwrapTagged } from '../../api/problem';
import { useMutationForm } from '../../components/useMutationForm';
import { changedFields } from '../../components/list/changes';
import { ConflictNotice } from '../../components/list/ConflictNotice';
import { ProblemMessage } from '../../components/ProblemMessage';
import { useFocusFromHash } from '../../components/useFocusFromHash';
import { useFormat } from '../../company';
import { Can } from '../../session';
import {
  CustomerFieldset, LABELS, sentence, toBody, validate, valuesOf,
  type Customer, type CustomerFields, type CustomerValues,
} from './customerForm';
import '../../components/list/list.css';
import { RecordMeta, RecordPage, useFocusOn } from '../../components/record/RecordPage';

type Tagged = { data: Customer; etag: string };

const detailKey = (id: string) => ['customers', 'detail', id] as const;
const fetchCustomer = (id: string) => unwrapTagged(api.GET('/api/v1/customers/{id}', { params: { path: { id } } }));

/** Moves the focus to an element when `key` changes (a new message). */
const same = (a: CustomerValues, b: CustomerValues) => (Object.keys(a) as (keyof CustomerValues)[]).every((k) => a[k] === b[k]);

function EditCustomer({ current, onSaved }: { current: Tagged; onSaved: (text: string) => void }) {
  const queryClient = useQueryClient();
  const formRef = useRef<HTMLFormElement>(null);
  const [base, setBase] = useState<Tagged>(current);
  const [values, setValues] = useState<CustomerValues>(() => valuesOf(current.data));
  const [local, setLocal] = useState<Record<string, string>>({});
  const [conflict, setConflict] = useState<{ fresh: Tagged | null } | null>(null);
  // A newer version arrived (a refetch) while the user changed nothing: start from it.
  if (current.etag !== base.etag && !conflict && same(values, valuesOf(base.data))) {
    setBase(current);
    setValues(valuesOf(current.data));
  }

  const focusFirstError = () =>
    setTimeout(() => formRef.current?.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus(), 0);

  const save = useMutationForm({
    mutationFn: ({ body, etag }: { body: CustomerFields; etag: string }) =>
      unwrapTagged(
        api.PATCH('/api/v1/customers/{id}', { params: { path: { id: base.data.id }, header: { 'If-Match': etag } }, body }),
      ),
    onSuccess: (saved) => {
      queryClient.setQueryData(detailKey(saved.data.id), saved);
      void queryClient.invalidateQueries({ queryKey: ['customers', 'list'] });
      setBase(saved);
      setValues(valuesOf(saved.data));
      onSaved('Your changes are saved.');
    },
    onError: async (error) => {
      if (error instanceof ApiError && error.status === 412) {
        setConflict({ fresh: null });
        try {
          const fresh = await queryClient.fetchQuery({ queryKey: detailKey(base.data.id), queryFn: () => fetchCustomer(base.data.id), staleTime: 0 });
          setConflict({ fresh });
        } catch {
          setConflict({ fresh: null });
        }
      } else {
        focusFirstError();
      }
    },
  });

  function submit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const errors = validate(values, false);
    setLocal(errors);
    if (Object.keys(errors).length) {
      save.reset();
      focusFirstError();
      return;
    }
    setConflict(null);
    onSaved('');
    save.mutate({ body: toBody(values, false), etag: base.etag });
  }

  function reload() {
    if (!conflict?.fresh) return;
    setBase(conflict.fresh);
    setValues(valuesOf(conflict.fresh.data));
    setConflict(null);
    setLocal({});
    save.reset();
    onSaved('The latest version is loaded. Make your changes again.');
  }

  const errors: Record<string, string | undefined> = {};
  for (const k of Object.keys(values)) errors[k] = local[k] ?? sentence(k, save.fieldErrors[k]);
  const fmt = useFormatForChanges();
  const changes = conflict?.fresh ? changedFields(base.data, conflict.fresh.data, LABELS, fmt) : null;
  const isConflict = save.error instanceof ApiError && save.error.status === 412;

  return (
    <section className="card" aria-labelledby="edit-customer-title">
      <h2 id="edit-customer-title">Edit customer</h2>
      {conflict ? <ConflictNotice what="customer" changes={changes} loading={!conflict.fresh} onReload={reload} /> : null}
      <form ref={formRef} className="form" noValidate onSubmit={submit} aria-labelledby="edit-customer-title">
        {!isConflict ? <ProblemMessage problem={Object.keys(local).length ? null : save.formError} /> : null}
        <CustomerFieldset
          values={values}
          errors={errors}
          creating={false}
          onChange={(name, value) => setValues((v) => ({ ...v, [name]: value }))}
        />
        <div className="button-row">
          <button type="submit" className="button button-primary" disabled={save.isPending}>
            {save.isPending ? 'Saving…' : 'Save changes'}
          </button>
        </div>
      </form>
    </section>
  );
}

/** How a changed value reads in the conflict message. */
function useFormatForChanges() {
  const fmt = useFormat();
  return (field: string, value: unknown) => {
    if (value === null || value === undefined || value === '') return '';
    if (field === 'payment_terms_days') return `${fmt.number(Number(value))} days`;
    if (field === 'status') return value === 'archived' ? 'Archived' : 'Active';
    if (field === 'ubl_by_email') return value ? 'Yes' : 'No';
    return String(value);
  };
}

function ArchiveCustomer({ current, onArchived }: { current: Tagged; onArchived: (text: string) => void }) {
  const queryClient = useQueryClient();
  const [confirming, setConfirming] = useState(false);
  const confirmRef = useFocusOn<HTMLDivElement>(confirming);
  const openRef = useRef<HTMLButtonElement>(null);
  const archive = useMutationForm({
    mutationFn: () =>
      unwrap(
        api.DELETE('/api/v1/customers/{id}', { params: { path: { id: current.data.id }, header: { 'If-Match': current.etag } } }),
      ),
    onSuccess: async () => {
      setConfirming(false);
      await queryClient.invalidateQueries({ queryKey: ['customers'] });
      onArchived(`${current.data.name} is archived. It stays readable, and documents that use it keep working.`);
    },
    onError: () => void queryClient.invalidateQueries({ queryKey: detailKey(current.data.id) }),
  });
  if (current.data.status === 'archived') return null;
  if (!confirming) {
    return (
      <>
        <ProblemMessage problem={archive.error} title="The customer was not archived." />
        <button ref={openRef} type="button" className="button button-danger" onClick={() => { archive.reset(); setConfirming(true); }}>
          Archive customer
        </button>
      </>
    );
  }
  return (
    <div className="card record-confirm" role="group" aria-labelledby="archive-title" tabIndex={-1} ref={confirmRef}>
      <p id="archive-title"><strong>Archive {current.data.name}?</strong></p>
      <p>It disappears from the active list and can’t be chosen for new documents. It stays readable. The API cannot undo this.</p>
      <div className="button-row">
        <button type="button" className="button button-danger" disabled={archive.isPending} onClick={() => archive.mutate(undefined)}>
          {archive.isPending ? 'Archiving…' : 'Yes, archive'}
        </button>
        <button type="button" className="button" onClick={() => { setConfirming(false); setTimeout(() => openRef.current?.focus(), 0); }}>
          Cancel
        </button>
      </div>
    </div>
  );
}

function Details({ customer }: { customer: Customer }) {
  const fmt = useFormat();
  const a = customer.billing_address;
  const s = customer.shipping_address;
  const address = (x: NonNullable<Customer['billing_address']>) =>
    [x.line1, x.line2, `${x.postal_code} ${x.city}`, x.region, x.country].filter(Boolean).join(', ');
  return (
    <section className="card" aria-labelledby="customer-details-title">
      <h2 id="customer-details-title">Details</h2>
      <dl className="record-details">
        <dt>Status</dt>
        <dd>{customer.status === 'archived' ? 'Archived' : 'Active'}</dd>
        <dt>Email</dt>
        <dd>{customer.email ? <a href={`mailto:${customer.email}`}>{customer.email}</a> : 'None'}</dd>
        <dt>Phone</dt>
        <dd>{customer.phone ?? 'None'}</dd>
        <dt>Tax ID</dt>
        <dd>{customer.tax_id ?? 'None'}</dd>
        <dt>Currency</dt>
        <dd>{customer.currency}</dd>
        <dt>Payment terms</dt>
        <dd>{fmt.number(customer.payment_terms_days)} days</dd>
        <dt>Billing address</dt>
        <dd>{a ? address(a) : 'None'}</dd>
        {s ? (
          <>
            <dt>Shipping address</dt>
            <dd>{address(s)}</dd>
          </>
        ) : null}
        <dt>Registration no.</dt>
        <dd>{customer.legal_registration_id ?? 'None'}</dd>
        <dt>Peppol id</dt>
        <dd>{customer.electronic_address ? `${customer.electronic_address.scheme}: ${customer.electronic_address.id}` : 'None'}</dd>
        <dt>Buyer reference</dt>
        <dd>{customer.buyer_reference ?? 'None'}</dd>
        <dt>Invoice emails</dt>
        <dd>{customer.ubl_by_email ? 'PDF and UBL e-invoice' : 'PDF only'}</dd>
        <RecordMeta externalIds={customer.external_ids} createdAt={customer.created_at} updatedAt={customer.updated_at} />
      </dl>
      {customer.notes ? (
        <>
          <h3>Notes</h3>
          <p className="record-notes">{customer.notes}</p>
        </>
      ) : null}
    </section>
  );
}

/** One customer: its details, and for writers an edit form and its actions. */
export default function CustomerPage() {
  const { id = '' } = useParams();
  const detail = useQuery({ queryKey: detailKey(id), queryFn: () => fetchCustomer(id) });
  useFocusFromHash(detail.isSuccess);
  return (
    <RecordPage
      noun="customer"
      listPath="/customers"
      listLabel="Customers"
      detail={detail}
      name={(r) => r.name}
      archived={(r) => r.status === 'archived'}
      actions={(current, show) => <Can permission="customers:write"><ArchiveCustomer current={current} onArchived={show} /></Can>}
      details={(r) => <Details customer={r} />}
      edit={(current, show) => (
        <Can permission="customers:write">
          <EditCustomer key={current.data.id} current={current} onSaved={show} />
        </Can>
      )}
    />
  );
}
