// Pieces shared by the signed-out pages (register, verify email, forgot / reset password,
// accept an invitation) and the password change of My account.
import type { ReactNode } from 'react';
import { Link } from 'react-router';

import { TextField } from '../../components/fields';
import './auth.css';

/** The server's password rules (shared/src/auth/password.rs). */
export const PASSWORD_MIN = 12;
export const PASSWORD_MAX = 128;
export const PASSWORD_HINT = `At least ${PASSWORD_MIN} characters. A few unrelated words make a strong password.`;

/** The first thing wrong with a new password that the browser can tell, else undefined. */
export function passwordProblem(password: string, email?: string): string | undefined {
  const chars = [...password].length;
  if (!chars) return 'Enter a password.';
  if (chars < PASSWORD_MIN) return `Use at least ${PASSWORD_MIN} characters (this one has ${chars}).`;
  if (chars > PASSWORD_MAX) return `Use at most ${PASSWORD_MAX} characters.`;
  if (new Set(password).size < 5) return 'Use at least 5 different characters.';
  const local = email?.split('@')[0]?.toLowerCase() ?? '';
  if (local.length >= 4 && password.toLowerCase().includes(local)) return 'Do not use your email address in the password.';
  return undefined;
}

/**
 * A server field message as a sentence: the API says "must be at least 12 characters" about
 * a field; we show "Password must be at least 12 characters."
 */
export function fieldSentence(subject: string, message: string | undefined): string | undefined {
  if (!message) return undefined;
  const sentence = /^(must|is|are|should|cannot|can't|may)\b/.test(message) ? `${subject} ${message}` : message;
  const capital = sentence.charAt(0).toUpperCase() + sentence.slice(1);
  return /[.!?]$/.test(capital) ? capital : `${capital}.`;
}

/** The frame of a signed-out page: its own <main>, a card, the heading, links below. */
export function AuthFrame({ titleId, title, children, links }: {
  titleId: string;
  title: string;
  children: ReactNode;
  links?: ReactNode;
}) {
  return (
    <main id="main" className="sign-in">
      <section className="sign-in-card" aria-labelledby={titleId}>
        <p className="app-name" aria-hidden="true">ERP</p>
        <h1 id={titleId}>{title}</h1>
        {children}
        {links ? (
          <p className="auth-links">{links}</p>
        ) : null}
      </section>
    </main>
  );
}

export function SignInLink() {
  return <Link to="/sign-in">Sign in</Link>;
}

/** New password + its confirmation (controlled by the form's FormData). */
export function NewPasswordFields({ name, label = 'New password', error, confirmError, show, onToggleShow }: {
  name: string;
  label?: string;
  error: string | undefined;
  confirmError: string | undefined;
  show: boolean;
  onToggleShow: () => void;
}) {
  const type = show ? 'text' : 'password';
  return (
    <>
      <TextField label={label} name={name} type={type} autoComplete="new-password" required hint={PASSWORD_HINT} error={error} />
      <TextField label="Repeat the password" name="confirm" type={type} autoComplete="new-password" required error={confirmError} />
      <div className="field field-check auth-show">
        <input id={`${name}-show`} type="checkbox" checked={show} onChange={onToggleShow} />
        <label htmlFor={`${name}-show`}>Show passwords</label>
      </div>
    </>
  );
}

/** Client checks of new password + confirmation: `{ [name]?, confirm? }`. */
export function checkNewPassword(name: string, password: string, confirm: string, email?: string): Record<string, string> {
  const errors: Record<string, string> = {};
  const problem = passwordProblem(password, email);
  if (problem) errors[name] = problem;
  if (!confirm) errors.confirm = 'Repeat the password.';
  else if (confirm !== password) errors.confirm = 'The two passwords are different.';
  return errors;
}
