import { useEffect, useRef, useState } from 'react';
import { Link, Navigate, NavLink, Outlet, useLocation, useNavigation } from 'react-router';

import { ProblemMessage } from '../components/ProblemMessage';
import { Skeleton } from '../components/Skeleton';
import { pages } from '../routes';
import { useSession } from '../session/context';
import { ThemeToggle } from './ThemeToggle';

const ROLE_NAMES: Record<string, string> = {
  admin: 'Administrator',
  manager: 'Manager',
  accountant: 'Accountant',
  sales: 'Sales',
  viewer: 'Viewer',
};

function UserMenu() {
  const { me, signOut } = useSession();
  const location = useLocation();
  // Open on the page where it was opened: navigating closes it.
  const [openOn, setOpenOn] = useState<string | null>(null);
  const open = openOn === location.pathname;
  const setOpen = (value: boolean) => setOpenOn(value ? location.pathname : null);
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!open) return undefined;
    const close = (e: Event) => {
      if (e instanceof KeyboardEvent ? e.key === 'Escape' : !ref.current?.contains(e.target as Node)) setOpenOn(null);
    };
    document.addEventListener('keydown', close);
    document.addEventListener('pointerdown', close);
    return () => {
      document.removeEventListener('keydown', close);
      document.removeEventListener('pointerdown', close);
    };
  }, [open]);
  if (!me) return null;
  return (
    <div className="user-menu" ref={ref}>
      <button type="button" className="button button-quiet" aria-expanded={open} aria-controls="user-menu-panel" onClick={() => setOpen(!open)}>
        {me.name}
      </button>
      <div id="user-menu-panel" className="user-menu-panel" hidden={!open}>
        <p className="user-menu-who">
          <strong>{me.name}</strong>
          <span>{me.email}</span>
          <span>{ROLE_NAMES[me.role] ?? me.role}</span>
        </p>
        <Link to="/account" className="user-menu-link">
          My account
        </Link>
        <ThemeToggle />
        <button type="button" className="button" onClick={() => void signOut()}>
          Sign out
        </button>
      </div>
    </div>
  );
}

/** The signed-in shell: skip link, header, navigation (entries the user may open), main. */
export function Layout() {
  const session = useSession();
  const location = useLocation();
  const navigation = useNavigation();
  // The phone-width menu is open on the page where it was opened: navigating closes it.
  const [menuOpenOn, setMenuOpenOn] = useState<string | null>(null);
  const menuOpen = menuOpenOn === location.pathname;
  const main = useRef<HTMLElement>(null);
  const first = useRef(true);

  useEffect(() => {
    // Move focus to the new page, so keyboard and screen-reader users start at its content.
    if (first.current) first.current = false;
    else main.current?.focus();
  }, [location.pathname]);

  if (session.status === 'anonymous') {
    const next = location.pathname + location.search;
    return <Navigate to={next === '/' ? '/sign-in' : `/sign-in?next=${encodeURIComponent(next)}`} replace />;
  }
  if (session.status === 'loading' || !session.me) {
    return (
      <main id="main" className="page page-message">
        {session.error ? (
          <>
            <ProblemMessage problem={session.error} title="Your account could not be loaded." />
            <button type="button" className="button" onClick={session.retry}>
              Try again
            </button>
          </>
        ) : (
          <Skeleton lines={4} label="Loading your account…" />
        )}
      </main>
    );
  }

  const permissions = session.me.permissions;
  const entries = pages.filter((p) => p.nav && (!p.permission || permissions.includes(p.permission)));

  return (
    <div className="app">
      <a
        className="skip-link"
        href="#main"
        onClick={(e) => {
          e.preventDefault();
          main.current?.focus();
        }}
      >
        Skip to main content
      </a>
      <header className="app-header">
        <button
          type="button"
          className="button button-quiet menu-button"
          aria-expanded={menuOpen}
          aria-controls="app-nav"
          onClick={() => setMenuOpenOn(menuOpen ? null : location.pathname)}
        >
          Menu
        </button>
        <Link to="/" className="app-name">
          ERP
        </Link>
        <UserMenu />
      </header>
      {navigation.state === 'loading' ? <div className="nav-progress" role="progressbar" aria-label="Loading page" /> : null}
      <div className="app-body">
        <nav id="app-nav" aria-label="Main" className={menuOpen ? 'app-nav app-nav-open' : 'app-nav'}>
          <ul>
            {session.me?.permissions.includes('dashboard:read') ? null : (
              <li>
                <NavLink to="/" end>
                  Start
                </NavLink>
              </li>
            )}
            {entries.map((p) => (
              <li key={p.path}>
                <NavLink to={p.path}>{p.nav}</NavLink>
              </li>
            ))}
          </ul>
        </nav>
        <main id="main" ref={main} tabIndex={-1}>
          <Outlet />
        </main>
      </div>
    </div>
  );
}

export default Layout;
