import type { ReactNode } from 'react';
import { Link } from 'react-router';

import type { Permission } from '../api/types';
import { usePermission, useSession } from './context';

/** Renders its children only when the user has `permission` (hide, don't disable). */
export function Can({ permission, children }: { permission: Permission; children: ReactNode }) {
  return usePermission(permission) ? children : null;
}

/** Route guard: the page, or a clear "not allowed" page for a deep link without the permission. */
export function RequirePermission({ permission, children }: { permission?: Permission; children: ReactNode }) {
  const { me } = useSession();
  if (!permission || me?.permissions.includes(permission)) return children;
  return <NotAllowed />;
}

export function NotAllowed() {
  return (
    <section className="page page-message" aria-labelledby="not-allowed-title">
      <h1 id="not-allowed-title">You are not allowed to see this page</h1>
      <p>Your role does not include access to this page. If you need it, ask an administrator.</p>
      <p>
        <Link to="/">Go to the start page</Link>
      </p>
    </section>
  );
}
