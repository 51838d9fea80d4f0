import { useState, type FormEvent } from 'react';
import { Link } from 'react-router';

import { api } from '../../api/client';
import { fieldErrors, unwrap } from '../../api/problem';
import { TextField } from '../../components/fields';
import { ProblemMessage } from '../../components/ProblemMessage';
import { usePageTitle } from '../../layout/usePageTitle';
import { AuthFrame, fieldSentence, SignInLink } from './authForms';

/** Ask for a password reset link. The answer never says whether the address has an account. */
export default function ForgotPasswordPage() {
  usePageTitle('Forgot your password');
  const [sentTo, setSentTo] = useState<string | null>(null);
  const [error, setError] = useState<string | undefined>();
  const [problem, setProblem] = useState<unknown>(null);
  const [pending, setPending] = useState(false);

  async function submit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const email = String(new FormData(e.currentTarget).get('email') ?? '').trim();
    setProblem(null);
    if (!email) return setError('Enter your email address.');
    if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email)) return setError('Enter an email address like name@example.com.');
    setError(undefined);
    setPending(true);
    try {
      await unwrap(api.POST('/api/v1/auth/password-reset/request', { body: { email } }));
      setSentTo(email);
    } catch (err) {
      const message = fieldSentence('The email address', fieldErrors(err).email);
      if (message) setError(message);
      else setProblem(err);
    } finally {
      setPending(false);
    }
  }

  const links = (
    <>
      <SignInLink />
      <Link to="/register">Create an account</Link>
    </>
  );

  if (sentTo !== null) {
    return (
      <AuthFrame titleId="forgot-title" title="Check your email" links={links}>
        <div className="notice" role="status">
          <p>
            If <strong>{sentTo}</strong> has an account, we have sent it a link to choose a new password.
          </p>
        </div>
        <p>The link works once and expires soon. No email after a few minutes? Check your spam folder, or ask again.</p>
        <button type="button" className="button" onClick={() => setSentTo(null)}>
          Ask again
        </button>
      </AuthFrame>
    );
  }

  return (
    <AuthFrame titleId="forgot-title" title="Forgot your password?" links={links}>
      <p>Enter the email address of your account and we will send you a link to choose a new password.</p>
      <form onSubmit={(e) => void submit(e)} noValidate aria-labelledby="forgot-title">
        <ProblemMessage problem={problem} />
        <TextField label="Email" name="email" type="email" autoComplete="username" required error={error} />
        <button type="submit" className="button button-primary" disabled={pending}>
          {pending ? 'Sending…' : 'Send the link'}
        </button>
      </form>
    </AuthFrame>
  );
}
