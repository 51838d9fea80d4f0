import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';

import { api } from '../../api/client';
import { ApiError, fieldErrors, unwrap } from '../../api/problem';
import type { Schema } from '../../api/types';
import { TextField } from '../../components/fields';
import { ProblemMessage } from '../../components/ProblemMessage';
import { Skeleton } from '../../components/Skeleton';
import { fieldSentence } from '../auth/authForms';

type SecondFactor = Schema<'SecondFactor'>;

export const mfaQueryKey = ['account', 'mfa'] as const;

function RecoveryCodes({ codes, onDone }: { codes: string[]; onDone: () => void }) {
  return (
    <div className="notice" role="status">
      <p>
        <strong>Save your recovery codes.</strong> Each one signs you in once if you lose your authenticator app. They
        are shown only now; earlier codes no longer work.
      </p>
      <ul className="recovery-codes" aria-label="Recovery codes">
        {codes.map((c) => (
          <li key={c}>
            <code>{c}</code>
          </li>
        ))}
      </ul>
      <button type="button" className="button" onClick={onDone}>
        I have saved them
      </button>
    </div>
  );
}

/** A code from the app, or a recovery code instead. */
function FactorField({ recovery, error, onToggle }: { recovery: boolean; error: string | undefined; onToggle: () => void }) {
  return (
    <>
      {recovery ? (
        <TextField key="recovery" label="Recovery code" name="recovery_code" autoComplete="off" required error={error} />
      ) : (
        <TextField
          key="code"
          label="Code from your authenticator app"
          name="code"
          inputMode="numeric"
          autoComplete="one-time-code"
          required
          error={error}
        />
      )}
      <button type="button" className="button button-quiet" onClick={onToggle}>
        {recovery ? 'Use a code from the app instead' : 'Use a recovery code instead'}
      </button>
    </>
  );
}

function readFactor(form: FormData, recovery: boolean): SecondFactor | string {
  const value = String(form.get(recovery ? 'recovery_code' : 'code') ?? '').trim();
  if (!value) return recovery ? 'Enter one of your recovery codes.' : 'Enter the code from your authenticator app.';
  return recovery ? { recovery_code: value } : { code: value.replace(/\s/g, '') };
}

/** The code's problem, for the code field. */
function factorError(error: unknown): string | undefined {
  if (error instanceof ApiError && error.kind === 'invalid-mfa-code') return 'The code is wrong, expired or already used.';
  if (error instanceof ApiError && error.kind === 'mfa-code-required') return 'Enter a code.';
  const f = fieldErrors(error);
  return fieldSentence('The code', f.code ?? f.recovery_code);
}

/** The password's problem, for the password field. */
function passwordError(error: unknown): string | undefined {
  if (error instanceof ApiError && error.kind === 'wrong-password') return 'The password is wrong.';
  return fieldSentence('The password', fieldErrors(error).password);
}

/** Two-factor sign-in: its status, setting it up, new recovery codes, turning it off. */
export function TwoFactorSection() {
  const queryClient = useQueryClient();
  const status = useQuery({ queryKey: mfaQueryKey, queryFn: () => unwrap(api.GET('/api/v1/auth/mfa')) });
  const [codes, setCodes] = useState<string[] | null>(null);
  const [mode, setMode] = useState<'none' | 'disable' | 'renew'>('none');
  const [recovery, setRecovery] = useState(false);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [notice, setNotice] = useState<string | null>(null);
  const refresh = () => queryClient.invalidateQueries({ queryKey: mfaQueryKey });

  const setup = useMutation({ mutationFn: () => unwrap(api.POST('/api/v1/auth/mfa/setup')) });
  const enable = useMutation({
    mutationFn: (code: string) => unwrap(api.POST('/api/v1/auth/mfa/enable', { body: { code } })),
    onSuccess: (data) => {
      setup.reset();
      setCodes(data.recovery_codes);
      setNotice('Two-factor sign-in is on. From now on you sign in with your password and a code from the app.');
      void refresh();
    },
  });
  const renew = useMutation({
    mutationFn: (factor: SecondFactor) => unwrap(api.POST('/api/v1/auth/mfa/recovery-codes', { body: factor })),
    onSuccess: (data) => {
      setMode('none');
      setCodes(data.recovery_codes);
      setNotice(null);
      void refresh();
    },
  });
  const disable = useMutation({
    mutationFn: (body: Schema<'DisableRequest'>) => unwrap(api.POST('/api/v1/auth/mfa/disable', { body })),
    onSuccess: () => {
      setMode('none');
      setCodes(null);
      setNotice('Two-factor sign-in is off. You sign in with your password only.');
      void refresh();
    },
  });

  function submitEnable(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const code = String(new FormData(e.currentTarget).get('code') ?? '').replace(/\s/g, '');
    if (!code) return setErrors({ enable: 'Enter the code from your authenticator app.' });
    setErrors({});
    enable.mutate(code);
  }

  function submitRenew(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const factor = readFactor(new FormData(e.currentTarget), recovery);
    if (typeof factor === 'string') return setErrors({ factor });
    setErrors({});
    renew.mutate(factor);
  }

  function submitDisable(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const form = new FormData(e.currentTarget);
    const password = String(form.get('password') ?? '');
    const factor = readFactor(form, recovery);
    const local: Record<string, string> = {};
    if (!password) local.password = 'Enter your password.';
    if (typeof factor === 'string') local.factor = factor;
    setErrors(local);
    if (Object.keys(local).length || typeof factor === 'string') return;
    disable.mutate({ password, ...factor });
  }

  function open(next: typeof mode) {
    setMode(next);
    setRecovery(false);
    setErrors({});
    renew.reset();
    disable.reset();
    setNotice(null);
  }

  let body;
  if (status.isPending) body = <Skeleton lines={2} label="Loading two-factor sign-in…" />;
  else if (status.isError) body = <ProblemMessage problem={status.error} title="Two-factor sign-in could not be loaded." />;
  else if (setup.data) {
    const s = setup.data;
    body = (
      <>
        <ol className="link-list">
          <li>
            In your authenticator app, add an account with this key:{' '}
            <code className="secret">{s.secret.replace(/(.{4})/g, '$1 ').trim()}</code> (or{' '}
            <a href={s.otpauth_uri}>open it in the app</a> on this device).
          </li>
          <li>Enter the {s.digits}-digit code the app shows.</li>
        </ol>
        <details>
          <summary>Show the setup link as text</summary>
          <p>
            <code className="secret">{s.otpauth_uri}</code>
          </p>
        </details>
        <form className="form account-form" onSubmit={submitEnable} noValidate aria-label="Turn on two-factor sign-in">
          <ProblemMessage problem={factorError(enable.error) ? null : enable.error} />
          <TextField
            label="Code from your authenticator app"
            name="code"
            inputMode="numeric"
            autoComplete="one-time-code"
            required
            error={errors.enable ?? factorError(enable.error)}
          />
          <div className="button-row">
            <button type="submit" className="button button-primary" disabled={enable.isPending}>
              {enable.isPending ? 'Checking…' : 'Turn on'}
            </button>
            <button type="button" className="button button-quiet" onClick={() => { setup.reset(); enable.reset(); setErrors({}); }}>
              Cancel
            </button>
          </div>
        </form>
      </>
    );
  } else if (!status.data.enabled) {
    body = (
      <>
        <p>
          <span className="badge">Off</span> Two-factor sign-in asks for a code from an authenticator app on your phone
          after your password, so a stolen password alone is not enough.
          {status.data.required ? ' The company requires it for your account.' : ''}
        </p>
        <ProblemMessage problem={setup.error} title="Two-factor sign-in could not be set up." />
        <button type="button" className="button button-primary" disabled={setup.isPending} onClick={() => { setNotice(null); setup.mutate(); }}>
          {status.data.setup_pending ? 'Continue setting up' : 'Set up two-factor sign-in'}
        </button>
      </>
    );
  } else {
    const left = status.data.recovery_codes_left;
    body = (
      <>
        <p>
          <span className="badge">On</span> You sign in with your password and a code from your authenticator app.{' '}
          {left === 0 ? 'You have no recovery codes left.' : `You have ${left} unused recovery code${left === 1 ? '' : 's'}.`}
        </p>
        {mode === 'none' ? (
          <div className="button-row">
            <button type="button" className="button" onClick={() => open('renew')}>
              New recovery codes
            </button>
            {status.data.required ? null : (
              <button type="button" className="button button-danger" onClick={() => open('disable')}>
                Turn off
              </button>
            )}
          </div>
        ) : null}
        {status.data.required ? <p className="account-muted">The company requires two-factor sign-in for your account.</p> : null}
        {mode === 'renew' ? (
          <form className="form account-form" onSubmit={submitRenew} noValidate aria-label="New recovery codes">
            <p>Confirm with a code: your current recovery codes stop working.</p>
            <ProblemMessage problem={factorError(renew.error) ? null : renew.error} />
            <FactorField recovery={recovery} error={errors.factor ?? factorError(renew.error)} onToggle={() => setRecovery(!recovery)} />
            <div className="button-row">
              <button type="submit" className="button button-primary" disabled={renew.isPending}>Get new codes</button>
              <button type="button" className="button button-quiet" onClick={() => open('none')}>Cancel</button>
            </div>
          </form>
        ) : null}
        {mode === 'disable' ? (
          <form className="form account-form" onSubmit={submitDisable} noValidate aria-label="Turn off two-factor sign-in">
            <p>Confirm with your password and a code.</p>
            <ProblemMessage problem={passwordError(disable.error) || factorError(disable.error) ? null : disable.error} />
            <TextField
              label="Password"
              name="password"
              type="password"
              autoComplete="current-password"
              required
              error={errors.password ?? passwordError(disable.error)}
            />
            <FactorField recovery={recovery} error={errors.factor ?? factorError(disable.error)} onToggle={() => setRecovery(!recovery)} />
            <div className="button-row">
              <button type="submit" className="button button-danger" disabled={disable.isPending}>Turn off</button>
              <button type="button" className="button button-quiet" onClick={() => open('none')}>Cancel</button>
            </div>
          </form>
        ) : null}
      </>
    );
  }

  return (
    <section className="card" aria-labelledby="account-mfa-title">
      <h2 id="account-mfa-title">Two-factor sign-in</h2>
      {notice ? (
        <div className="notice" role="status">
          <p>{notice}</p>
        </div>
      ) : null}
      {codes ? <RecoveryCodes codes={codes} onDone={() => setCodes(null)} /> : null}
      {body}
    </section>
  );
}
