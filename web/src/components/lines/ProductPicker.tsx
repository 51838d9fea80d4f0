// The description cell of a line: free text, or a product picked by search (debounced
// GET /api/v1/products?q=). A combobox: ArrowDown/ArrowUp move in the suggestions, Enter
// picks, Escape closes. Typing without picking keeps a free-text line.
import { useQuery } from '@tanstack/react-query';
import { useCallback, useEffect, useState, type KeyboardEvent } from 'react';

import { api } from '../../api/client';
import { unwrap } from '../../api/problem';
import type { Schema } from '../../api/types';
import { useFormat } from '../../company';

type Product = Schema<'Product'>;

export const PRODUCT_SEARCH_DEBOUNCE_MS = 250;

/** The suggestions of an open picker: mounted only while the user types in that cell, so
 * closed rows carry no query. Reports what it shows through `onItems`. */
function Suggestions({ text, onItems }: { text: string; onItems: (items: Product[], query: string) => void }) {
  const [query, setQuery] = useState('');
  useEffect(() => {
    const t = setTimeout(() => setQuery(text.trim()), PRODUCT_SEARCH_DEBOUNCE_MS);
    return () => clearTimeout(t);
  }, [text]);
  const params = { q: query, status: 'active' as const, limit: 8, sort: 'name' as const };
  const results = useQuery({
    queryKey: ['products', 'list', params],
    queryFn: () => unwrap(api.GET('/api/v1/products', { params: { query: params } })),
    enabled: query.length > 0,
    staleTime: 30_000,
  });
  const items = query.length > 0 ? results.data?.items : undefined;
  useEffect(() => {
    onItems(items ?? [], query);
  }, [items, query, onItems]);
  return null;
}

export function ProductPicker({
  id, value, label, invalid, describedBy, onText, onPick, onKeyDown,
}: {
  id: string;
  value: string;
  label: string;
  invalid: boolean;
  describedBy: string | undefined;
  onText: (text: string) => void;
  onPick: (product: Product) => void;
  /** Keys the picker does not use (Alt+arrows, Enter while closed). */
  onKeyDown: (e: KeyboardEvent<HTMLInputElement>) => void;
}) {
  const fmt = useFormat();
  const [open, setOpen] = useState(false);
  const [found, setFound] = useState<{ items: Product[]; query: string }>({ items: [], query: '' });
  const [active, setActive] = useState(-1);
  const onItems = useCallback((items: Product[], query: string) => setFound({ items, query }), []);
  const items = open ? found.items : [];
  const query = found.query;
  const listId = `${id}-products`;
  const expanded = items.length > 0;

  function pick(p: Product) {
    setOpen(false);
    setActive(-1);
    setFound({ items: [], query: '' });
    onPick(p);
  }

  function keyDown(e: KeyboardEvent<HTMLInputElement>) {
    if (expanded && !e.altKey && (e.key === 'ArrowDown' || e.key === 'ArrowUp')) {
      e.preventDefault();
      const n = items.length;
      setActive((a) => (e.key === 'ArrowDown' ? (a + 1) % n : (a - 1 + n) % n));
      return;
    }
    if (expanded && e.key === 'Enter' && active >= 0 && items[active]) {
      e.preventDefault();
      pick(items[active]);
      return;
    }
    if (expanded && e.key === 'Escape') {
      e.preventDefault();
      setOpen(false);
      return;
    }
    onKeyDown(e);
  }

  return (
    <div className="lines-picker">
      {open ? <Suggestions text={value} onItems={onItems} /> : null}
      <input
        id={id}
        data-field="description"
        type="text"
        role="combobox"
        aria-label={label}
        aria-autocomplete="list"
        aria-expanded={expanded}
        aria-controls={expanded ? listId : undefined}
        aria-activedescendant={expanded && active >= 0 ? `${listId}-${active}` : undefined}
        aria-invalid={invalid || undefined}
        aria-describedby={describedBy}
        autoComplete="off"
        maxLength={200}
        value={value}
        onChange={(e) => {
          onText(e.target.value);
          setOpen(true);
          setActive(-1);
        }}
        onKeyDown={keyDown}
        onBlur={() => setTimeout(() => setOpen(false), 150)}
      />
      {expanded ? (
        <ul className="lines-options" id={listId} role="listbox" aria-label={`Products matching “${query}”`}>
          {items.map((p, i) => (
            <li
              key={p.id}
              id={`${listId}-${i}`}
              role="option"
              aria-selected={i === active}
              className={i === active ? 'lines-option lines-option-active' : 'lines-option'}
              onMouseDown={(e) => {
                e.preventDefault();
                pick(p);
              }}
            >
              <span className="lines-option-name">{p.name}</span>{' '}
              <span className="lines-option-meta">{p.sku} · {fmt.money(p.unit_price)} / {p.unit}</span>
            </li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}
