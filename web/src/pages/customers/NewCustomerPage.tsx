import { useQueryClient } from '@tanstack/react-query';
import { useRef, useState, type FormEvent } from 'react';
import { Link, useNavigate } from 'react-router';

import { api } from '../../api/client';
import { unwrapTagged } from '../../api/problem';
import { ProblemMessage } from '../../components/ProblemMessage';
import { useMutationForm } from '../../components/useMutationForm';
import { usePageTitle } from '../../layout/usePageTitle';
import { CustomerFieldset, emptyValues, sentence, toBody, validate, type CustomerFields, type CustomerValues } from './customerForm';
import '../../components/record/record.css';

/** Create a customer; on success the customer's page opens. */
export default function NewCustomerPage() {
  usePageTitle('New customer');
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const formRef = useRef<HTMLFormElement>(null);
  const [values, setValues] = useState<CustomerValues>(emptyValues);
  const [local, setLocal] = useState<Record<string, string>>({});
  const focusFirstError = () =>
    setTimeout(() => formRef.current?.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus(), 0);
  const create = useMutationForm({
    mutationFn: (body: CustomerFields) => unwrapTagged(api.POST('/api/v1/customers', { body })),
    onSuccess: (created) => {
      queryClient.setQueryData(['customers', 'detail', created.data.id], created);
      void queryClient.invalidateQueries({ queryKey: ['customers', 'list'] });
      void navigate(`/customers/${encodeURIComponent(created.data.id)}`, { state: { flash: `${created.data.name} is created.` } });
    },
    onError: focusFirstError,
  });

  function submit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const errors = validate(values, true);
    setLocal(errors);
    if (Object.keys(errors).length) {
      create.reset();
      focusFirstError();
      return;
    }
    create.mutate(toBody(values, true));
  }

  const errors: Record<string, string | undefined> = {};
  for (const k of Object.keys(values)) errors[k] = local[k] ?? sentence(k, create.fieldErrors[k]);
  return (
    <section className="page" aria-labelledby="new-customer-title">
      <p><Link to="/customers">← Customers</Link></p>
      <h1 id="new-customer-title">New customer</h1>
      <form ref={formRef} className="form card" noValidate onSubmit={submit} aria-labelledby="new-customer-title">
        <ProblemMessage problem={create.formError} />
        <CustomerFieldset values={values} errors={errors} creating onChange={(n, v) => setValues((x) => ({ ...x, [n]: v }))} />
        <div className="button-row">
          <button type="submit" className="button button-primary" disabled={create.isPending}>
            {create.isPending ? 'Creating…' : 'Create customer'}
          </button>
          <Link className="button" to="/customers">Cancel</Link>
        </div>
      </form>
    </section>
  );
}
