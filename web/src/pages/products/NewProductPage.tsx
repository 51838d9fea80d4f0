import { useQueryClient } from '@tanstack/react-query';
import { useRef, useState, type FormEvent } from 'react';
import { Link, useNavigate } from 'react-router';

import { api } from '../../api/client';
import { ApiError, unwrapTagged } from '../../api/problem';
import { useCompany, useFormat } from '../../company';
import { ProblemMessage } from '../../components/ProblemMessage';
import { useMutationForm } from '../../components/useMutationForm';
import { usePageTitle } from '../../layout/usePageTitle';
import { ProductFieldset, emptyValues, serverErrors, toBody, validate, type ProductFields, type ProductValues } from './productForm';
import '../../components/record/record.css';

/** Add a product to the catalogue; on success its page opens. */
export default function NewProductPage() {
  usePageTitle('New product');
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const fmt = useFormat();
  const { currency } = useCompany();
  const formRef = useRef<HTMLFormElement>(null);
  const [values, setValues] = useState<ProductValues | null>(null);
  const shown = values ?? emptyValues(currency);
  const [local, setLocal] = useState<Record<string, string>>({});
  const focusFirstError = () =>
    setTimeout(() => formRef.current?.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus(), 0);
  const create = useMutationForm({
    mutationFn: (body: ProductFields) => unwrapTagged(api.POST('/api/v1/products', { body })),
    onSuccess: (created) => {
      queryClient.setQueryData(['products', 'detail', created.data.id], created);
      void queryClient.invalidateQueries({ queryKey: ['products', 'list'] });
      void navigate(`/products/${encodeURIComponent(created.data.id)}`, { state: { flash: `${created.data.name} is added to the catalogue.` } });
    },
    onError: focusFirstError,
  });

  function submit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const errors = validate(shown, fmt);
    setLocal(errors);
    if (Object.keys(errors).length) {
      create.reset();
      focusFirstError();
      return;
    }
    create.mutate(toBody(shown, fmt));
  }

  const server = serverErrors(create.error, create.fieldErrors);
  const errors: Record<string, string | undefined> = {};
  for (const k of Object.keys(shown)) errors[k] = local[k] ?? server[k];
  const skuTaken = create.error instanceof ApiError && create.error.kind === 'sku-taken';
  return (
    <section className="page" aria-labelledby="new-product-title">
      <p><Link to="/products">← Products</Link></p>
      <h1 id="new-product-title">New product</h1>
      <form ref={formRef} className="form card" noValidate onSubmit={submit} aria-labelledby="new-product-title">
        <ProblemMessage problem={skuTaken ? null : create.formError} />
        <ProductFieldset values={shown} errors={errors} onChange={(n, v) => setValues({ ...shown, [n]: v })} />
        <div className="button-row">
          <button type="submit" className="button button-primary" disabled={create.isPending}>
            {create.isPending ? 'Adding…' : 'Add product'}
          </button>
          <Link className="button" to="/products">Cancel</Link>
        </div>
      </form>
    </section>
  );
}
