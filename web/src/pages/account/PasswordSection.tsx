import { useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';

import { ApiError, fieldErrors } from '../../api/problem';
import { TextField } from '../../components/fields';
import { ProblemMessage } from '../../components/ProblemMessage';
import { useSession } from '../../session';
import { checkNewPassword, fieldSentence, NewPasswordFields } from '../auth/authForms';

/**
 * Change the password (current + new + confirmation). The server ends every session of the
 * account and gives this browser a new one, and emails the user about the change.
 */
export function PasswordSection() {
  const { me, changePassword } = useSession();
  const queryClient = useQueryClient();
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [problem, setProblem] = useState<unknown>(null);
  const [done, setDone] = useState(false);
  const [pending, setPending] = useState(false);
  const [show, setShow] = useState(false);

  async function submit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const formElement = e.currentTarget;
    const form = new FormData(formElement);
    const current = String(form.get('current_password') ?? '');
    const next = String(form.get('new_password') ?? '');
    const local = checkNewPassword('new_password', next, String(form.get('confirm') ?? ''), me?.email);
    if (!current) local.current_password = 'Enter your current password.';
    else if (!local.new_password && current === next) local.new_password = 'Choose a password different from the current one.';
    setErrors(local);
    setProblem(null);
    setDone(false);
    if (Object.keys(local).length) return;
    setPending(true);
    try {
      await changePassword(current, next);
      formElement.reset();
      setDone(true);
      void queryClient.invalidateQueries({ queryKey: ['account', 'sessions'] });
    } catch (error) {
      if (error instanceof ApiError && error.kind === 'wrong-password') {
        setErrors({ current_password: 'The current password is wrong.' });
      } else {
        const fields = fieldErrors(error);
        const message = fieldSentence('The new password', fields.new_password);
        if (message) setErrors({ new_password: message });
        else setProblem(error);
      }
    } finally {
      setPending(false);
    }
  }

  return (
    <section className="card" aria-labelledby="account-password-title">
      <h2 id="account-password-title">Change password</h2>
      {done ? (
        <div className="notice" role="status">
          <p>
            Your password is changed. You were signed out on every other device and browser; you stay signed in here. We
            emailed you about the change.
          </p>
        </div>
      ) : null}
      <form className="form account-form" onSubmit={(e) => void submit(e)} noValidate aria-labelledby="account-password-title">
        <ProblemMessage problem={problem} />
        <TextField
          label="Current password"
          name="current_password"
          type={show ? 'text' : 'password'}
          autoComplete="current-password"
          required
          error={errors.current_password}
        />
        <NewPasswordFields
          name="new_password"
          error={errors.new_password}
          confirmError={errors.confirm}
          show={show}
          onToggleShow={() => setShow(!show)}
        />
        <p className="account-muted">Changing it signs you out on your other devices.</p>
        <div className="button-row">
          <button type="submit" className="button button-primary" disabled={pending}>
            {pending ? 'Changing…' : 'Change password'}
          </button>
        </div>
      </form>
    </section>
  );
}
