import { useState, type FormEvent } from 'react';
import { Link } from 'react-router';

import { api } from '../../api/client';
import { ApiError, fieldErrors, unwrap } from '../../api/problem';
import { TextField } from '../../components/fields';
import { ProblemMessage } from '../../components/ProblemMessage';
import { usePageTitle } from '../../layout/usePageTitle';
import { AuthFrame, fieldSentence, SignInLink } from './authForms';

type State = { kind: 'form' } | { kind: 'sent'; email: string } | { kind: 'closed' };

/** Register an account: name and email, then the emailed link, then an administrator's approval. */
export default function RegisterPage() {
  usePageTitle('Create an account');
  const [state, setState] = useState<State>({ kind: 'form' });
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [problem, setProblem] = useState<unknown>(null);
  const [pending, setPending] = useState(false);

  async function submit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const form = new FormData(e.currentTarget);
    const name = String(form.get('name') ?? '').trim();
    const email = String(form.get('email') ?? '').trim();
    const local: Record<string, string> = {};
    if (!name) local.name = 'Enter your name.';
    if (!email) local.email = 'Enter your email address.';
    else if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email)) local.email = 'Enter an email address like name@example.com.';
    setErrors(local);
    setProblem(null);
    if (Object.keys(local).length) return;
    setPending(true);
    try {
      await unwrap(api.POST('/api/v1/auth/register', { body: { name, email } }));
      setState({ kind: 'sent', email });
    } catch (error) {
      if (error instanceof ApiError && error.kind === 'registration-closed') {
        setState({ kind: 'closed' });
      } else {
        const fields = fieldErrors(error);
        setErrors({
          ...(fields.name ? { name: fieldSentence('The name', fields.name) ?? '' } : {}),
          ...(fields.email ? { email: fieldSentence('The email address', fields.email) ?? '' } : {}),
        });
        if (!fields.name && !fields.email) setProblem(error);
      }
    } finally {
      setPending(false);
    }
  }

  if (state.kind === 'closed') {
    return (
      <AuthFrame titleId="register-title" title="Registration is closed" links={<SignInLink />}>
        <p>
          This company does not take registrations: accounts are created by invitation only. Ask an administrator to
          invite you; the invitation email has a link to choose your password.
        </p>
      </AuthFrame>
    );
  }

  if (state.kind === 'sent') {
    return (
      <AuthFrame titleId="register-title" title="Check your email" links={<SignInLink />}>
        <div className="notice" role="status">
          <p>
            If <strong>{state.email}</strong> can be registered, we have sent it a link to confirm the address.
          </p>
        </div>
        <p>What happens next:</p>
        <ol className="auth-steps">
          <li>Open the link in the email (it works once) and choose your password.</li>
          <li>An administrator reviews your registration and gives you a role.</li>
          <li>Once it is approved, you sign in with your email address and the password you chose.</li>
        </ol>
        <p>No email after a few minutes? Check your spam folder, or try again.</p>
        <button type="button" className="button" onClick={() => setState({ kind: 'form' })}>
          Register again
        </button>
      </AuthFrame>
    );
  }

  return (
    <AuthFrame
      titleId="register-title"
      title="Create an account"
      links={
        <>
          <span>
            Already have an account? <SignInLink />
          </span>
          <Link to="/forgot-password">Forgot your password?</Link>
        </>
      }
    >
      <p>We will email you a link to confirm your address. An administrator then approves the account.</p>
      <form onSubmit={(e) => void submit(e)} noValidate aria-labelledby="register-title">
        <ProblemMessage problem={problem} />
        <TextField label="Name" name="name" autoComplete="name" required error={errors.name} />
        <TextField label="Email" name="email" type="email" autoComplete="email" required error={errors.email} />
        <button type="submit" className="button button-primary" disabled={pending}>
          {pending ? 'Sending…' : 'Create account'}
        </button>
      </form>
    </AuthFrame>
  );
}
