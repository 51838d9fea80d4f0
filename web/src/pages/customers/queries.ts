// The customer list's query, shared by the page and its route's prefetch (src/routes.tsx),
// which starts it with /auth/me instead of after it. No React here: the prefetch runs
// before React is loaded (src/boot.ts).
import { api } from '../../api/client';
import { unwrap } from '../../api/problem';
import type { ListQuery } from '../../components/list/listState';

export const customerListQuery = (query: ListQuery) => ({
  queryKey: ['customers', 'list', query] as const,
  queryFn: () => unwrap(api.GET('/api/v1/customers', { params: { query } })),
});
