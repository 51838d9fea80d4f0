// List state kept in the URL (a link reproduces the view): search `q`, `status`, a creation
// date range `from`/`to`, `sort`, and the stack of page cursors `page` (one per "Next page",
// so "Previous page" works). Changing a filter goes back to the first page.
import { useCallback, useMemo } from 'react';
import { useSearchParams } from 'react-router';
import { cursorsIn, useCursorPaging } from './cursorPaging';

export type ListStatus = 'active' | 'archived';
export type ListSort = 'name' | '-name' | 'created' | '-created';

const SORTS: readonly ListSort[] = ['name', '-name', 'created', '-created'];

export interface ListParams {
  q: string;
  status: ListStatus;
  from: string;
  to: string;
  /** The sort chosen in the URL. */
  sort: ListSort;
  /** The sort sent: search results are always ordered by name (the API refuses others). */
  effectiveSort: ListSort;
  /** Cursors of the pages after the first, in order; the current page's is the last. */
  cursors: string[];
}

export type ListFilter = 'q' | 'status' | 'from' | 'to' | 'sort';

const isDate = (v: string | null): v is string => !!v && /^\d{4}-\d{2}-\d{2}$/.test(v);

export function useListParams() {
  const [params, setParams] = useSearchParams();
  const state = useMemo<ListParams>(() => {
    const q = params.get('q') ?? '';
    const sortParam = params.get('sort') as ListSort | null;
    const sort = sortParam && SORTS.includes(sortParam) ? sortParam : 'name';
    const searching = q.trim() !== '';
    return {
      q,
      status: params.get('status') === 'archived' ? 'archived' : 'active',
      from: isDate(params.get('from')) ? (params.get('from') as string) : '',
      to: isDate(params.get('to')) ? (params.get('to') as string) : '',
      sort,
      effectiveSort: searching && !sort.endsWith('name') ? (sort.startsWith('-') ? '-name' : 'name') : sort,
      cursors: cursorsIn(params),
    };
  }, [params]);

  /** Sets one filter (empty removes it) and goes back to the first page. */
  const setFilter = useCallback(
    (name: ListFilter, value: string, replace = false) => {
      setParams(
        (prev) => {
          const next = new URLSearchParams(prev);
          next.delete('page');
          const fallback = name === 'status' ? 'active' : name === 'sort' ? 'name' : '';
          if (value && value !== fallback) next.set(name, value);
          else next.delete(name);
          return next;
        },
        { replace },
      );
    },
    [setParams],
  );

  const { nextPage, previousPage } = useCursorPaging(setParams);

  /** The API query for the current view. */
  const query = useMemo(() => {
    const out: {
      q?: string; status?: ListStatus; created_from?: string; created_to?: string; sort?: ListSort; cursor?: string; limit?: number;
    } = { status: state.status, sort: state.effectiveSort, limit: 25 };
    if (state.q.trim()) out.q = state.q.trim();
    if (state.from) out.created_from = state.from;
    if (state.to) out.created_to = state.to;
    const cursor = state.cursors.at(-1);
    if (cursor) out.cursor = cursor;
    return out;
  }, [state]);

  const filtered = state.q.trim() !== '' || state.from !== '' || state.to !== '' || state.status !== 'active';
  return { ...state, query, filtered, setFilter, nextPage, previousPage };
}
