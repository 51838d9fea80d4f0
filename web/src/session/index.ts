export { session, type SecondFactor, type SignInResult, type MfaSetup } from './core';
export { SessionContext, useSession, usePermission, type SessionValue } from './context';
export { SessionProvider, meQuery, meQueryKey } from './SessionProvider';
export { Can, RequirePermission, NotAllowed } from './permissions';
