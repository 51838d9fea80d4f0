import { useState, type FormEvent } from 'react';
import { Link, useNavigate, useSearchParams } from 'react-router';

import { api } from '../../api/client';
import { ApiError, fieldErrors, unwrap } from '../../api/problem';
import { ProblemMessage } from '../../components/ProblemMessage';
import { usePageTitle } from '../../layout/usePageTitle';
import { AuthFrame, checkNewPassword, fieldSentence, NewPasswordFields, SignInLink } from './authForms';

/** What the sign-in page shows after a password was set (router state `notice`). */
export interface SignInNotice {
  notice: string;
}

/**
 * Choose a password with an emailed token: the reset link (`/reset-password`) or the
 * invitation (`/set-password`, `invitation`). Then on to sign-in with a notice.
 */
export function ChoosePassword({ invitation }: { invitation: boolean }) {
  usePageTitle(invitation ? 'Welcome' : 'Choose a new password');
  const [params] = useSearchParams();
  const navigate = useNavigate();
  const token = params.get('token') ?? '';
  const [invalid, setInvalid] = useState(!token);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [problem, setProblem] = useState<unknown>(null);
  const [pending, setPending] = useState(false);
  const [show, setShow] = useState(false);

  async function submit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const form = new FormData(e.currentTarget);
    const password = String(form.get('new_password') ?? '');
    const local = checkNewPassword('new_password', password, String(form.get('confirm') ?? ''));
    setErrors(local);
    setProblem(null);
    if (Object.keys(local).length) return;
    setPending(true);
    try {
      await unwrap(api.POST('/api/v1/auth/password-reset/confirm', { body: { token, new_password: password } }));
      const state: SignInNotice = {
        notice: invitation
          ? 'Your password is set. Sign in to start using your account.'
          : 'Your password is changed and you were signed out everywhere. Sign in with the new password.',
      };
      void navigate('/sign-in', { replace: true, state });
    } catch (error) {
      setPending(false);
      if (error instanceof ApiError && error.kind === 'invalid-token') return setInvalid(true);
      const message = fieldSentence('The password', fieldErrors(error).new_password);
      if (message) setErrors({ new_password: message });
      else setProblem(error);
    }
  }

  const titleId = invitation ? 'invitation-title' : 'reset-title';

  if (invalid) {
    return (
      <AuthFrame titleId={titleId} title="This link does not work" links={<SignInLink />}>
        <div className="problem" role="alert">
          <p>The link is invalid, expired or already used.</p>
        </div>
        {invitation ? (
          <p>
            Invitations expire after a while. If you already chose your password, <Link to="/sign-in">sign in</Link>. Otherwise ask the
            administrator who invited you to send a new invitation, or{' '}
            <Link to="/forgot-password">request a password reset link</Link>.
          </p>
        ) : (
          <p>
            Reset links work once and expire soon. <Link to="/forgot-password">Request a new link</Link>.
          </p>
        )}
      </AuthFrame>
    );
  }

  return (
    <AuthFrame
      titleId={titleId}
      title={invitation ? 'Welcome — choose your password' : 'Choose a new password'}
      links={<><SignInLink /><Link to="/forgot-password">Request a new link</Link></>}
    >
      <p>
        {invitation
          ? 'You have been invited to the company’s ERP. Choose the password you will sign in with.'
          : 'Choose the new password of your account. You will be signed out on every device.'}
      </p>
      <form onSubmit={(e) => void submit(e)} noValidate aria-labelledby={titleId}>
        <ProblemMessage problem={problem} />
        <NewPasswordFields
          name="new_password"
          label={invitation ? 'Password' : 'New password'}
          error={errors.new_password}
          confirmError={errors.confirm}
          show={show}
          onToggleShow={() => setShow(!show)}
        />
        <button type="submit" className="button button-primary" disabled={pending}>
          {pending ? 'Saving…' : invitation ? 'Set password' : 'Change password'}
        </button>
      </form>
    </AuthFrame>
  );
}

export default function ResetPasswordPage() {
  return <ChoosePassword invitation={false} />;
}
