import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useMemo, useSyncExternalStore, type ReactNode } from 'react';

import { api } from '../api/client';
import { unwrap } from '../api/problem';
import { session as defaultSession, type BrowserSession } from './core';
import { SessionContext, type SessionValue } from './context';

export const meQueryKey = ['auth', 'me'] as const;

/** Restores the session on mount and provides `useSession()`. */
export function SessionProvider({ children, session = defaultSession }: { children: ReactNode; session?: BrowserSession }) {
  const queryClient = useQueryClient();
  const status = useSyncExternalStore(
    (notify) => session.subscribe(notify),
    () => session.getStatus(),
  );

  useEffect(() => {
    void session.start();
  }, [session]);

  useEffect(
    () =>
      session.subscribe((next, { newLogin }) => {
        // Signed out (here or in another tab): forget every cached answer.
        if (next === 'anonymous') queryClient.clear();
        // Someone signed in (maybe someone else): nothing cached belongs to them.
        else if (next === 'signed-in' && newLogin) queryClient.removeQueries();
      }),
    [session, queryClient],
  );

  const me = useQuery({
    queryKey: meQueryKey,
    queryFn: () => unwrap(api.GET('/api/v1/auth/me')),
    enabled: status === 'signed-in',
    staleTime: 5 * 60_000,
    retry: false,
  });

  // Only what the value is made of: the query's other fields (fetching, stale, …) change
  // often, and a new value re-renders every page that reads the session.
  const { data, error, refetch } = me;
  const value = useMemo<SessionValue>(() => {
    const signedIn = status === 'signed-in' && data !== undefined;
    return {
      status: status === 'anonymous' ? 'anonymous' : signedIn ? 'signed-in' : 'loading',
      me: signedIn ? (data ?? null) : null,
      error: status === 'signed-in' ? error : null,
      retry: () => void refetch(),
      signIn: (email, password) => session.signIn(email, password),
      startSecondFactorSetup: (challenge) => session.startSecondFactorSetup(challenge),
      completeSecondFactor: (challenge, factor) => session.completeSecondFactor(challenge, factor),
      changePassword: (current, next) => session.changePassword(current, next),
      signOut: () => session.signOut(),
    };
  }, [status, data, error, refetch, session]);

  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}
