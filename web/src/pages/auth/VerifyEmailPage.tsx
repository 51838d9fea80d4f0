import { useState, type FormEvent } from 'react';
import { Link, useSearchParams } from 'react-router';

import { api } from '../../api/client';
import { ApiError, fieldErrors, unwrap } from '../../api/problem';
import { ProblemMessage } from '../../components/ProblemMessage';
import { usePageTitle } from '../../layout/usePageTitle';
import { AuthFrame, checkNewPassword, fieldSentence, NewPasswordFields, SignInLink } from './authForms';

type State = { kind: 'form' } | { kind: 'pending' } | { kind: 'invalid' } | { kind: 'taken' };

/** The emailed confirmation link of a registration: choose the password, then wait for approval. */
export default function VerifyEmailPage() {
  usePageTitle('Confirm your email');
  const [params] = useSearchParams();
  const token = params.get('token') ?? '';
  const [state, setState] = useState<State>(token ? { kind: 'form' } : { kind: 'invalid' });
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [problem, setProblem] = useState<unknown>(null);
  const [pending, setPending] = useState(false);
  const [show, setShow] = useState(false);

  async function submit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const form = new FormData(e.currentTarget);
    const password = String(form.get('password') ?? '');
    const local = checkNewPassword('password', password, String(form.get('confirm') ?? ''));
    setErrors(local);
    setProblem(null);
    if (Object.keys(local).length) return;
    setPending(true);
    try {
      await unwrap(api.POST('/api/v1/auth/register/verify', { body: { token, password } }));
      setState({ kind: 'pending' });
    } catch (error) {
      if (error instanceof ApiError && error.kind === 'invalid-token') setState({ kind: 'invalid' });
      else if (error instanceof ApiError && error.kind === 'email-taken') setState({ kind: 'taken' });
      else {
        const message = fieldSentence('The password', fieldErrors(error).password);
        if (message) setErrors({ password: message });
        else setProblem(error);
      }
    } finally {
      setPending(false);
    }
  }

  if (state.kind === 'invalid') {
    return (
      <AuthFrame titleId="verify-title" title="This link does not work" links={<SignInLink />}>
        <div className="problem" role="alert">
          <p>The confirmation link is invalid, expired or already used.</p>
        </div>
        <p>
          If you already chose your password with it, your registration is waiting for an administrator’s approval.
          Otherwise <Link to="/register">register again</Link> to get a new link.
        </p>
      </AuthFrame>
    );
  }

  if (state.kind === 'taken') {
    return (
      <AuthFrame
        titleId="verify-title"
        title="You already have an account"
        links={<><SignInLink /><Link to="/forgot-password">Forgot your password?</Link></>}
      >
        <div className="problem" role="alert">
          <p>This address already has an account. Sign in, or reset the password if you do not know it.</p>
        </div>
      </AuthFrame>
    );
  }

  if (state.kind === 'pending') {
    return (
      <AuthFrame titleId="verify-title" title="Waiting for approval" links={<SignInLink />}>
        <div className="notice" role="status">
          <p>Your address is confirmed and your password is set.</p>
        </div>
        <p>
          An administrator now reviews your registration and gives you a role. Once it is approved, you can sign in
          with your email address and this password. Until then, signing in says the account is waiting for approval.
        </p>
      </AuthFrame>
    );
  }

  return (
    <AuthFrame titleId="verify-title" title="Confirm your email" links={<SignInLink />}>
      <p>Thanks for confirming your address. Choose the password for your new account.</p>
      <form onSubmit={(e) => void submit(e)} noValidate aria-labelledby="verify-title">
        <ProblemMessage problem={problem} />
        <NewPasswordFields
          name="password"
          label="Password"
          error={errors.password}
          confirmError={errors.confirm}
          show={show}
          onToggleShow={() => setShow(!show)}
        />
        <button type="submit" className="button button-primary" disabled={pending}>
          {pending ? 'Saving…' : 'Set password'}
        </button>
      </form>
    </AuthFrame>
  );
}
