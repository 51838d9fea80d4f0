// Pieces of the invoice and payment lists: the customer filter, the number search, the pager.
import { useQuery } from '@tanstack/react-query';
import { useEffect, useState } from 'react';

import { api } from '../../api/client';
import { unwrap } from '../../api/problem';
import { SelectField, TextField } from '../../components/fields';
import type { InvoiceListParams } from './useInvoiceListParams';

/** A select of the customers (the first 100 by name), keeping an unknown id from the URL. */
export function CustomerFilter({ value, onChange }: { value: string; onChange: (id: string) => void }) {
  const customers = useQuery({
    queryKey: ['customers', 'list', { sort: 'name', limit: 100, status: 'active' }],
    queryFn: () => unwrap(api.GET('/api/v1/customers', { params: { query: { sort: 'name', limit: 100, status: 'active' } } })),
    staleTime: 60_000,
  });
  const items = customers.data?.items ?? [];
  const options = [{ value: '', label: 'All customers' }, ...items.map((c) => ({ value: c.id, label: c.name }))];
  if (value && !items.some((c) => c.id === value)) options.push({ value, label: customers.isPending ? 'Loading…' : 'Another customer' });
  return <SelectField label="Customer" name="customer" value={value} options={options} onChange={(e) => onChange(e.target.value)} />;
}

/** The number search, debounced 250 ms into the URL. */
export function NumberSearch({ list }: { list: InvoiceListParams }) {
  const [text, setText] = useState(list.number);
  const [seen, setSeen] = useState(list.number);
  if (list.number !== seen) {
    setSeen(list.number);
    setText(list.number);
  }
  const { setFilter, number } = list;
  useEffect(() => {
    if (text === number) return;
    const t = setTimeout(() => setFilter('number', text, true), 250);
    return () => clearTimeout(t);
  }, [text, number, setFilter]);
  return (
    <TextField label="Number starts with" name="number" type="search" value={text}
      maxLength={40} autoComplete="off" onChange={(e) => setText(e.target.value)} />
  );
}

export function Pager({ list, nextCursor, label }: { list: Pick<InvoiceListParams, 'cursors' | 'nextPage' | 'previousPage'>; nextCursor: string | null | undefined; label: string }) {
  const hasPrevious = list.cursors.length > 0;
  if (!hasPrevious && !nextCursor) return null;
  return (
    <nav className="list-pager" aria-label={label}>
      <span className="list-pager-page">Page {list.cursors.length + 1}</span>
      {hasPrevious ? <button type="button" className="button" onClick={list.previousPage}>Previous page</button> : null}
      {nextCursor ? <button type="button" className="button" onClick={() => list.nextPage(nextCursor)}>Next page</button> : null}
    </nav>
  );
}
