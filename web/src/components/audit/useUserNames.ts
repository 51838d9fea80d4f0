import { useQuery } from '@tanstack/react-query';
import { useMemo } from 'react';

import { api } from '../../api/client';
import { unwrap } from '../../api/problem';
import { usePermission, useSession } from '../../session/context';
import type { Names } from './describe';

/**
 * Names of users by id, for audit records. Only admins (`users:manage`) can list users; for
 * others actors are shown by role and a short id (and "You" for oneself).
 */
export function useUserNames(): Names & { users: { id: string; name: string; email: string }[] } {
  const { me } = useSession();
  const canList = usePermission('users:manage');
  const list = useQuery({
    queryKey: ['users', 'list', 'names'],
    queryFn: () => unwrap(api.GET('/api/v1/users', { params: { query: { limit: 100 } } })),
    enabled: canList,
    staleTime: 60_000,
  });
  const items = list.data?.items;
  return useMemo(() => {
    const byId = new Map((items ?? []).map((u) => [u.id, u.name]));
    if (me) byId.set(me.id, me.name);
    return { user: (id: string) => byId.get(id), me: me?.id, users: items ?? [] };
  }, [items, me]);
}
