import { createContext, useContext } from 'react';

import type { Me, Permission } from '../api/types';
import type { MfaSetup, SecondFactor, SignInResult } from './core';

export interface SessionValue {
  /** `loading` until the session is restored and `/auth/me` has answered. */
  status: 'loading' | 'anonymous' | 'signed-in';
  /** The signed-in user (name, email, role, permissions); null unless `signed-in`. */
  me: Me | null;
  /** Why `/auth/me` failed (shown by the layout with a retry), else null. */
  error: unknown;
  retry: () => void;
  signIn: (email: string, password: string) => Promise<SignInResult>;
  startSecondFactorSetup: (challenge: string) => Promise<MfaSetup>;
  completeSecondFactor: (challenge: string, factor: SecondFactor) => Promise<{ recoveryCodes: string[] }>;
  changePassword: (currentPassword: string, newPassword: string) => Promise<void>;
  signOut: () => Promise<void>;
}

export const SessionContext = createContext<SessionValue | null>(null);

/** The session: status, the user, and sign-in / sign-out. */
export function useSession(): SessionValue {
  const value = useContext(SessionContext);
  if (!value) throw new Error('useSession needs <SessionProvider>');
  return value;
}

/** Whether the signed-in user has `permission` (false while loading or signed out). */
export function usePermission(permission: Permission): boolean {
  const { me } = useSession();
  return me?.permissions.includes(permission) ?? false;
}
