// List state kept in the URL (a link reproduces the view): search `q`, `status`, a creation
// date range `from`/`to`, `sort`, and the stack of page cursors `page` (one per "Next page",
// so "Previous page" works). Changing a filter goes back to the first page.
import { useCallback, useMemo } from 'react';
import { useSearchParams } from 'react-router';
import { useCursorPaging } from './cursorPaging';
import { listQueryOf, listStateFrom, type ListFilter } from './listState';

export type { ListFilter, ListParams, ListQuery, ListSort, ListStatus } from './listState';
export { listQueryOf, listStateFrom } from './listState';

export function useListParams() {
  const [params, setParams] = useSearchParams();
  const state = useMemo(() => listStateFrom(params), [params]);

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
  const query = useMemo(() => listQueryOf(state), [state]);

  const filtered = state.q.trim() !== '' || state.from !== '' || state.to !== '' || state.status !== 'active';
  return { ...state, query, filtered, setFilter, nextPage, previousPage };
}
