// The filters of a list page: search as you type (debounced into the URL), status, creation
// date range and sort. Pair with useListParams().
import { useEffect, useState } from 'react';

import { SelectField, TextField } from '../fields';
import type { ListSort, useListParams } from './useListParams';

export const SEARCH_DEBOUNCE_MS = 250;

const SORT_OPTIONS: ReadonlyArray<{ value: ListSort; label: string }> = [
  { value: 'name', label: 'Name, A to Z' },
  { value: '-name', label: 'Name, Z to A' },
  { value: 'created', label: 'Oldest first' },
  { value: '-created', label: 'Newest first' },
];

export function ListToolbar({
  list, searchLabel, searchHint, label,
}: {
  list: ReturnType<typeof useListParams>;
  searchLabel: string;
  searchHint?: string;
  /** Accessible name of the filter group, e.g. "Filter customers". */
  label: string;
}) {
  const [text, setText] = useState(list.q);
  const [seen, setSeen] = useState(list.q);
  // The URL changed from elsewhere (back button, a link): show its search.
  if (list.q !== seen) {
    setSeen(list.q);
    setText(list.q);
  }
  const { setFilter, q } = list;
  useEffect(() => {
    if (text === q) return;
    const timer = setTimeout(() => setFilter('q', text, true), SEARCH_DEBOUNCE_MS);
    return () => clearTimeout(timer);
  }, [text, q, setFilter]);

  const searching = list.q.trim() !== '';
  return (
    <div role="search" className="toolbar list-toolbar" aria-label={label}>
      <TextField
        label={searchLabel}
        name="q"
        type="search"
        hint={searchHint}
        value={text}
        maxLength={100}
        autoComplete="off"
        onChange={(e) => setText(e.target.value)}
      />
      <SelectField
        label="Status"
        name="status"
        value={list.status}
        onChange={(e) => setFilter('status', e.target.value)}
        options={[
          { value: 'active', label: 'Active' },
          { value: 'archived', label: 'Archived' },
        ]}
      />
      <TextField label="Created from" name="from" type="date" value={list.from} max={list.to || undefined}
        onChange={(e) => setFilter('from', e.target.value)} />
      <TextField label="Created to" name="to" type="date" value={list.to} min={list.from || undefined}
        onChange={(e) => setFilter('to', e.target.value)} />
      <SelectField
        label="Sort"
        name="sort"
        value={list.effectiveSort}
        hint={searching ? 'By name while searching.' : undefined}
        onChange={(e) => setFilter('sort', e.target.value)}
        options={searching ? SORT_OPTIONS.filter((o) => o.value.endsWith('name')) : SORT_OPTIONS}
      />
    </div>
  );
}

/** "Previous page" / "Next page" for cursor paging. */
export function Pager({
  list, nextCursor, label,
}: { list: ReturnType<typeof useListParams>; nextCursor: string | null | undefined; label: string }) {
  const hasPrevious = list.cursors.length > 0;
  if (!hasPrevious && !nextCursor) return null;
  return (
    <nav className="list-pager" aria-label={label}>
      <span className="list-pager-page">Page {list.cursors.length + 1}</span>
      {hasPrevious ? (
        <button type="button" className="button" onClick={list.previousPage}>Previous page</button>
      ) : null}
      {nextCursor ? (
        <button type="button" className="button" onClick={() => list.nextPage(nextCursor)}>Next page</button>
      ) : null}
    </nav>
  );
}
