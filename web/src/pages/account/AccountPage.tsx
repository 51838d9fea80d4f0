import { usePageTitle } from '../../layout/usePageTitle';
import { useSession } from '../../session';
import { PasswordSection } from './PasswordSection';
import { SessionsSection } from './SessionsSection';
import { TwoFactorSection } from './TwoFactorSection';
import './account.css';

const ROLE_NAMES: Record<string, string> = {
  admin: 'Administrator',
  manager: 'Manager',
  accountant: 'Accountant',
  sales: 'Sales',
  viewer: 'Viewer',
};

/** The signed-in user's own account: profile, password, sessions and two-factor sign-in. */
export default function AccountPage() {
  usePageTitle('My account');
  const { me } = useSession();
  return (
    <section className="page" aria-labelledby="account-title">
      <div className="page-header">
        <h1 id="account-title">My account</h1>
      </div>
      <div className="account-sections">
        <section className="card" aria-labelledby="account-profile-title">
          <h2 id="account-profile-title">Profile</h2>
          {me ? (
            <dl className="account-profile">
              <dt>Name</dt>
              <dd>{me.name}</dd>
              <dt>Email</dt>
              <dd>{me.email}</dd>
              <dt>Role</dt>
              <dd>{ROLE_NAMES[me.role] ?? me.role}</dd>
            </dl>
          ) : null}
          <p className="account-muted">An administrator can change your name, email address or role.</p>
        </section>
        <PasswordSection />
        <TwoFactorSection />
        <SessionsSection />
      </div>
    </section>
  );
}
