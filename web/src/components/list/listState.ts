// The state of a list page (customers, products) as its URL holds it, and the API query for
// it: pure functions, shared by useListParams() and the route's prefetch (src/routes.tsx),
// which runs before React is loaded.

const CURSOR = /^[A-Za-z0-9_.-]{1,2048}$/;

/** The cursors in the URL (`?page=c1&page=c2`, one per "Next page"), in order (the current
 * page's is the last); malformed ones dropped. */
export function cursorsIn(params: URLSearchParams): string[] {
  return params.getAll('page').filter((c) => CURSOR.test(c));
}

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

/** The list state a URL's search parameters describe. */
export function listStateFrom(params: URLSearchParams): ListParams {
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
}

/** The query of a list endpoint (customers, products) for a list state. */
export interface ListQuery {
  q?: string;
  status?: ListStatus;
  created_from?: string;
  created_to?: string;
  sort?: ListSort;
  cursor?: string;
  limit?: number;
}

export function listQueryOf(state: ListParams): ListQuery {
  const out: ListQuery = { status: state.status, sort: state.effectiveSort, limit: 25 };
  if (state.q.trim()) out.q = state.q.trim();
  if (state.from) out.created_from = state.from;
  if (state.to) out.created_to = state.to;
  const cursor = state.cursors.at(-1);
  if (cursor) out.cursor = cursor;
  return out;
}
