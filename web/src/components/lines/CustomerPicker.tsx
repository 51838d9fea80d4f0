// Choose a customer by search (debounced GET /api/v1/customers?q=): a combobox with a list of
// matches. Used by new orders and invoices, and by the order list's customer filter.
import { useQuery } from '@tanstack/react-query';
import { useEffect, useId, useState, type KeyboardEvent } from 'react';

import { api } from '../../api/client';
import { unwrap } from '../../api/problem';
import type { Schema } from '../../api/types';

export type Customer = Schema<'Customer'>;

export function CustomerPicker({
  label, value, onPick, error, hint, required, name = 'customer_id',
}: {
  label: string;
  /** The chosen customer's name (shown in the box), or '' */
  value: string;
  onPick: (customer: Customer | null) => void;
  error?: string | undefined;
  hint?: string;
  required?: boolean;
  name?: string;
}) {
  const id = `${useId()}-${name}`;
  const [text, setText] = useState(value);
  const [seen, setSeen] = useState(value);
  if (value !== seen) {
    setSeen(value);
    setText(value);
  }
  const [open, setOpen] = useState(false);
  const [query, setQuery] = useState('');
  const [active, setActive] = useState(-1);
  useEffect(() => {
    const t = setTimeout(() => setQuery(text.trim()), 250);
    return () => clearTimeout(t);
  }, [text]);
  const q = { q: query, status: 'active' as const, sort: 'name' as const, limit: 8 };
  const results = useQuery({
    queryKey: ['customers', 'list', q],
    queryFn: () => unwrap(api.GET('/api/v1/customers', { params: { query: q } })),
    enabled: open && query.length > 0,
    staleTime: 30_000,
  });
  const items = open && query.length > 0 ? (results.data?.items ?? []) : [];
  const expanded = items.length > 0;
  const listId = `${id}-list`;
  const describedBy = [hint ? `${id}-hint` : null, error ? `${id}-error` : null].filter(Boolean).join(' ') || undefined;

  function pick(c: Customer) {
    setOpen(false);
    setActive(-1);
    setText(c.name);
    onPick(c);
  }
  function keyDown(e: KeyboardEvent<HTMLInputElement>) {
    if (!expanded) {
      if (e.key === 'Enter') e.preventDefault();
      return;
    }
    if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      e.preventDefault();
      const n = items.length;
      setActive((a) => (e.key === 'ArrowDown' ? (a + 1) % n : (a - 1 + n) % n));
    } else if (e.key === 'Enter') {
      e.preventDefault();
      const c = items[active >= 0 ? active : 0];
      if (c) pick(c);
    } else if (e.key === 'Escape') {
      e.preventDefault();
      setOpen(false);
    }
  }

  return (
    <div className={error ? 'field field-invalid lines-customer' : 'field lines-customer'}>
      <label htmlFor={id}>
        {label}
        {required ? <span className="field-required"> (required)</span> : null}
      </label>
      {hint ? <p className="field-hint" id={`${id}-hint`}>{hint}</p> : null}
      <div className="lines-picker">
        <input
          id={id}
          name={name}
          type="text"
          role="combobox"
          aria-autocomplete="list"
          aria-expanded={expanded}
          aria-controls={expanded ? listId : undefined}
          aria-activedescendant={expanded && active >= 0 ? `${listId}-${active}` : undefined}
          aria-invalid={error ? true : undefined}
          aria-describedby={describedBy}
          autoComplete="off"
          maxLength={100}
          value={text}
          onChange={(e) => {
            setText(e.target.value);
            setOpen(true);
            setActive(-1);
            if (value && e.target.value !== value) onPick(null);
          }}
          onKeyDown={keyDown}
          onBlur={() => setTimeout(() => setOpen(false), 150)}
        />
        {expanded ? (
          <ul className="lines-options" id={listId} role="listbox" aria-label="Matching customers">
            {items.map((c, i) => (
              <li
                key={c.id}
                id={`${listId}-${i}`}
                role="option"
                aria-selected={i === active}
                className={i === active ? 'lines-option lines-option-active' : 'lines-option'}
                onMouseDown={(e) => {
                  e.preventDefault();
                  pick(c);
                }}
              >
                <span className="lines-option-name">{c.name}</span>{' '}
                <span className="lines-option-meta">{c.email ?? ''} · {c.currency}</span>
              </li>
            ))}
          </ul>
        ) : null}
      </div>
      {error ? <p className="field-error" id={`${id}-error`}>{error}</p> : null}
    </div>
  );
}
