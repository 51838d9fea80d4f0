import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useRef, useState, type FormEvent } from 'react';
import { useParams } from 'react-router';

import { api } from '../../api/client';
import { ApiError, unwrap, unwrapTagged } from '../../api/problem';
import { useFormat } from '../../company';
import { changedFields } from '../../components/list/changes';
import { ConflictNotice } from '../../components/list/ConflictNotice';
import { ProblemMessage } from '../../components/ProblemMessage';
import { useMutationForm } from '../../components/useMutationForm';
import { Can } from '../../session';
import {
  LABELS, ProductFieldset, serverErrors, toBody, validate, valuesOf,
  type Product, type ProductFields, type ProductValues,
} from './productForm';
import '../../components/list/list.css';
import { RecordMeta, RecordPage, useFocusOn } from '../../components/record/RecordPage';

type Tagged = { data: Product; etag: string };

const detailKey = (id: string) => ['products', 'detail', id] as const;
const fetchProduct = (id: string) => unwrapTagged(api.GET('/api/v1/products/{id}', { params: { path: { id } } }));

const same = (a: ProductValues, b: ProductValues) => (Object.keys(a) as (keyof ProductValues)[]).every((k) => a[k] === b[k]);

function EditProduct({ current, onSaved }: { current: Tagged; onSaved: (text: string) => void }) {
  const queryClient = useQueryClient();
  const fmt = useFormat();
  const formRef = useRef<HTMLFormElement>(null);
  const [base, setBase] = useState<Tagged>(current);
  const [values, setValues] = useState<ProductValues>(() => valuesOf(current.data, fmt));
  const [local, setLocal] = useState<Record<string, string>>({});
  const [conflict, setConflict] = useState<{ fresh: Tagged | null } | null>(null);
  if (current.etag !== base.etag && !conflict && same(values, valuesOf(base.data, fmt))) {
    setBase(current);
    setValues(valuesOf(current.data, fmt));
  }
  const focusFirstError = () =>
    setTimeout(() => formRef.current?.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus(), 0);

  const save = useMutationForm({
    mutationFn: ({ body, etag }: { body: ProductFields; etag: string }) =>
      unwrapTagged(api.PATCH('/api/v1/products/{id}', { params: { path: { id: base.data.id }, header: { 'If-Match': etag } }, body })),
    onSuccess: (saved) => {
      queryClient.setQueryData(detailKey(saved.data.id), saved);
      void queryClient.invalidateQueries({ queryKey: ['products', 'list'] });
      setBase(saved);
      setValues(valuesOf(saved.data, fmt));
      onSaved('Your changes are saved.');
    },
    onError: async (error) => {
      if (error instanceof ApiError && error.status === 412) {
        setConflict({ fresh: null });
        try {
          const fresh = await queryClient.fetchQuery({ queryKey: detailKey(base.data.id), queryFn: () => fetchProduct(base.data.id), staleTime: 0 });
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
    const errors = validate(values, fmt);
    setLocal(errors);
    if (Object.keys(errors).length) {
      save.reset();
      focusFirstError();
      return;
    }
    setConflict(null);
    onSaved('');
    save.mutate({ body: toBody(values, fmt), etag: base.etag });
  }

  function reload() {
    if (!conflict?.fresh) return;
    setBase(conflict.fresh);
    setValues(valuesOf(conflict.fresh.data, fmt));
    setConflict(null);
    setLocal({});
    save.reset();
    onSaved('The latest version is loaded. Make your changes again.');
  }

  const server = serverErrors(save.error, save.fieldErrors);
  const errors: Record<string, string | undefined> = {};
  for (const k of Object.keys(values)) errors[k] = local[k] ?? server[k];
  const show = (field: string, value: unknown, record: object) => {
    if (value === null || value === undefined || value === '') return '';
    if (field === 'unit_price.amount') return fmt.money({ amount: Number(value), currency: (record as Product).unit_price.currency });
    if (field === 'tax_rate') return fmt.percent(String(value));
    if (field === 'active') return value ? 'Active' : 'Archived';
    return String(value);
  };
  const changes = conflict?.fresh ? changedFields(base.data, conflict.fresh.data, LABELS, show) : null;
  const quiet = save.error instanceof ApiError && (save.error.status === 412 || save.error.kind === 'sku-taken');

  return (
    <section className="card" aria-labelledby="edit-product-title">
      <h2 id="edit-product-title">Edit product</h2>
      {conflict ? <ConflictNotice what="product" changes={changes} loading={!conflict.fresh} onReload={reload} /> : null}
      <form ref={formRef} className="form" noValidate onSubmit={submit} aria-labelledby="edit-product-title">
        {!quiet ? <ProblemMessage problem={Object.keys(local).length ? null : save.formError} /> : null}
        <ProductFieldset values={values} errors={errors} onChange={(name, value) => setValues((v) => ({ ...v, [name]: value }))} />
        <div className="button-row">
          <button type="submit" className="button button-primary" disabled={save.isPending}>
            {save.isPending ? 'Saving…' : 'Save changes'}
          </button>
        </div>
      </form>
    </section>
  );
}

function ArchiveProduct({ current, onDone }: { current: Tagged; onDone: (text: string) => void }) {
  const queryClient = useQueryClient();
  const [confirming, setConfirming] = useState(false);
  const confirmRef = useFocusOn<HTMLDivElement>(confirming);
  const openRef = useRef<HTMLButtonElement>(null);
  const params = { path: { id: current.data.id }, header: { 'If-Match': current.etag } };
  const archive = useMutationForm({
    mutationFn: () => unwrap(api.DELETE('/api/v1/products/{id}', { params })),
    onSuccess: async () => {
      setConfirming(false);
      await queryClient.invalidateQueries({ queryKey: ['products'] });
      onDone(`${current.data.name} is archived. It stays readable but is not offered for new orders. Its SKU stays reserved.`);
    },
    onError: () => void queryClient.invalidateQueries({ queryKey: detailKey(current.data.id) }),
  });
  const restore = useMutationForm({
    mutationFn: () => unwrapTagged(api.PATCH('/api/v1/products/{id}', { params, body: { active: true } })),
    onSuccess: async (saved) => {
      queryClient.setQueryData(detailKey(saved.data.id), saved);
      await queryClient.invalidateQueries({ queryKey: ['products', 'list'] });
      onDone(`${current.data.name} is active again.`);
    },
    onError: () => void queryClient.invalidateQueries({ queryKey: detailKey(current.data.id) }),
  });
  if (!current.data.active) {
    return (
      <>
        <ProblemMessage problem={restore.error} title="The product was not restored." />
        <button type="button" className="button" disabled={restore.isPending} onClick={() => restore.mutate(undefined)}>
          {restore.isPending ? 'Restoring…' : 'Restore product'}
        </button>
      </>
    );
  }
  if (!confirming) {
    return (
      <>
        <ProblemMessage problem={archive.error} title="The product was not archived." />
        <button ref={openRef} type="button" className="button button-danger" onClick={() => { archive.reset(); setConfirming(true); }}>
          Archive product
        </button>
      </>
    );
  }
  return (
    <div className="card record-confirm" role="group" aria-labelledby="archive-title" tabIndex={-1} ref={confirmRef}>
      <p id="archive-title"><strong>Archive {current.data.name}?</strong></p>
      <p>It is no longer offered for new orders but stays readable. You can restore it later.</p>
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

function Details({ product }: { product: Product }) {
  const fmt = useFormat();
  return (
    <section className="card" aria-labelledby="product-details-title">
      <h2 id="product-details-title">Details</h2>
      <dl className="record-details">
        <dt>Status</dt>
        <dd>{product.active ? 'Active' : 'Archived'}</dd>
        <dt>SKU</dt>
        <dd className="record-sku">{product.sku}</dd>
        <dt>Unit price</dt>
        <dd>{fmt.money(product.unit_price)} per {product.unit}</dd>
        <dt>Tax rate</dt>
        <dd>{fmt.percent(product.tax_rate)}</dd>
        <RecordMeta externalIds={product.external_ids} createdAt={product.created_at} updatedAt={product.updated_at} />
      </dl>
      {product.description ? (
        <>
          <h3>Description</h3>
          <p className="record-notes">{product.description}</p>
        </>
      ) : null}
    </section>
  );
}

/** One product: its details, and for writers an edit form and its actions. */
export default function ProductPage() {
  const { id = '' } = useParams();
  const detail = useQuery({ queryKey: detailKey(id), queryFn: () => fetchProduct(id) });
  return (
    <RecordPage
      noun="product"
      listPath="/products"
      listLabel="Products"
      detail={detail}
      name={(r) => r.name}
      archived={(r) => !r.active}
      actions={(current, show) => <Can permission="products:write"><ArchiveProduct current={current} onDone={show} /></Can>}
      details={(r) => <Details product={r} />}
      edit={(current, show) => (
        <Can permission="products:write">
          <EditProduct key={current.data.id} current={current} onSaved={show} />
        </Can>
      )}
    />
  );
}
