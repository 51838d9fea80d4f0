// `/auth/me`: the user, their permissions and the company's settings. Its query lives here,
// without React, because src/boot.ts asks for it before React is loaded.
import { api } from '../api/client';
import { unwrap } from '../api/problem';

export const meQueryKey = ['auth', 'me'] as const;

export const meQuery = {
  queryKey: meQueryKey,
  queryFn: () => unwrap(api.GET('/api/v1/auth/me')),
  staleTime: 5 * 60_000,
  retry: false,
} as const;
