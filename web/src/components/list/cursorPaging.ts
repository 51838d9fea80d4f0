// The stack of page cursors a list keeps in the URL (`?page=c1&page=c2`: one per "Next
// page", so "Previous page" works and a link reproduces the page).
import { useCallback } from 'react';
import type { SetURLSearchParams } from 'react-router';

export { cursorsIn } from './listState';

/** "Next page" pushes the cursor the API answered; "Previous page" pops the last one. */
export function useCursorPaging(setParams: SetURLSearchParams) {
  const nextPage = useCallback(
    (cursor: string) =>
      setParams((prev) => {
        const n = new URLSearchParams(prev);
        n.append('page', cursor);
        return n;
      }),
    [setParams],
  );
  const previousPage = useCallback(
    () =>
      setParams((prev) => {
        const n = new URLSearchParams(prev);
        const stack = n.getAll('page');
        n.delete('page');
        for (const c of stack.slice(0, -1)) n.append('page', c);
        return n;
      }),
    [setParams],
  );
  return { nextPage, previousPage };
}
