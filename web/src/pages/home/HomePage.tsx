import { Link, Navigate } from 'react-router';

import { usePageTitle } from '../../layout/usePageTitle';
import { pages } from '../../routes';
import { useSession } from '../../session/context';

/** The start page: the dashboard for those who may read it (every role today), else a
 * greeting and the sections the user may open. */
export default function HomePage() {
  usePageTitle('Start');
  const { me } = useSession();
  if (!me) return null;
  if (me.permissions.includes('dashboard:read')) return <Navigate to="/dashboard" replace />;
  const sections = pages.filter((p) => p.nav && (!p.permission || me.permissions.includes(p.permission)));
  return (
    <section className="page" aria-labelledby="home-title">
      <h1 id="home-title">Welcome, {me.name}</h1>
      {sections.length > 0 ? (
        <>
          <h2>Where to next?</h2>
          <ul className="link-list">
            {sections.map((p) => (
              <li key={p.path}>
                <Link to={p.path}>{p.nav}</Link>
              </li>
            ))}
          </ul>
        </>
      ) : (
        <p>You are signed in as {me.email}.</p>
      )}
    </section>
  );
}
