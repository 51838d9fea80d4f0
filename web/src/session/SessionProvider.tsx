import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useMemo, useSyncExternalStore, type ReactNode } from 'react';

import { session as defaultSession, type BrowserSession } from './core';
import { SessionContext, type SessionValue } from './context';
import { meQuery } from './me';

export { meQuery, meQueryKey } from './me';

/** Provides `useSession()`; restores the session on mount unless main.tsx already started it. */
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

  const me = useQuery({ ...meQuery, enabled: status === 'signed-in' });

  // Only what the value is made of: the query's other fields (fetching, stale, …) change
  // often, and a new value re-renders every page that reads the session.
  // (Signed in without /auth/me's answer yet is still `loading` for the pages: no new value.)
  const { data, error: meError, refetch } = me;
  const shown = status === 'anonymous' ? 'anonymous' : status === 'signed-in' && data !== undefined ? 'signed-in' : 'loading';
  const error = status === 'signed-in' ? meError : null;
  const value = useMemo<SessionValue>(() => {
    return {
      status: shown,
      me: shown === 'signed-in' ? (data ?? null) : null,
      error,
      retry: () => void refetch(),
      signIn: (email, password) => session.signIn(email, password),
      startSecondFactorSetup: (challenge) => session.startSecondFactorSetup(challenge),
      completeSecondFactor: (challenge, factor) => session.completeSecondFactor(challenge, factor),
      changePassword: (current, next) => session.changePassword(current, next),
      signOut: () => session.signOut(),
    };
  }, [shown, data, error, refetch, session]);

  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}
