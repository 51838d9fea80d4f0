import { useEffect, useRef, useState, type FormEvent } from 'react';
import { Link, Navigate, useLocation, useSearchParams } from 'react-router';

import { ApiError, fieldErrors } from '../../api/problem';
import { TextField } from '../../components/fields';
import { warmUpIntl } from '../../format';
import { ProblemMessage } from '../../components/ProblemMessage';
import { Skeleton } from '../../components/Skeleton';
import { usePageTitle } from '../../layout/usePageTitle';
import { useSession, type MfaSetup, type SecondFactor } from '../../session';
import './auth.css';

type Step =
  | { kind: 'password' }
  | { kind: 'totp'; challenge: string; detail: string }
  | { kind: 'setup'; challenge: string; detail: string; setup: MfaSetup | null }
  | { kind: 'recovery-codes'; codes: string[] }
  | { kind: 'done' };

/** Where to go after signing in: a path of this app (never another site), else the start page. */
export function safeNext(next: string | null): string {
  if (!next || !next.startsWith('/') || next.startsWith('//') || next.startsWith('/\\') || next.startsWith('/sign-in')) return '/';
  return next;
}

function PasswordStep({ onNext }: { onNext: (step: Step) => void }) {
  const { signIn } = useSession();
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [problem, setProblem] = useState<unknown>(null);
  const [pending, setPending] = useState(false);

  async function submit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const form = new FormData(e.currentTarget);
    const email = String(form.get('email') ?? '').trim();
    const password = String(form.get('password') ?? '');
    const local: Record<string, string> = {};
    if (!email) local.email = 'Enter your email address.';
    if (!password) local.password = 'Enter your password.';
    setErrors(local);
    setProblem(null);
    if (Object.keys(local).length) return;
    setPending(true);
    // While the password is checked: the pages after sign-in show numbers and dates.
    void warmUpIntl();
    try {
      const result = await signIn(email, password);
      if (result.kind === 'signed-in') onNext({ kind: 'done' });
      else if (result.step === 'totp') onNext({ kind: 'totp', challenge: result.challenge, detail: result.detail });
      else onNext({ kind: 'setup', challenge: result.challenge, detail: result.detail, setup: null });
    } catch (error) {
      const fields = fieldErrors(error);
      setErrors(fields);
      if (!Object.keys(fields).length) setProblem(error);
      setPending(false);
    }
  }

  return (
    <form onSubmit={(e) => void submit(e)} noValidate aria-labelledby="sign-in-title">
      <h1 id="sign-in-title">Sign in</h1>
      <ProblemMessage problem={problem} />
      <TextField label="Email" name="email" type="email" autoComplete="username" required error={errors.email} />
      <TextField label="Password" name="password" type="password" autoComplete="current-password" required error={errors.password} />
      <button type="submit" className="button button-primary" disabled={pending}>
        {pending ? 'Signing in…' : 'Sign in'}
      </button>
    </form>
  );
}

function CodeForm({
  challenge, onDone, onRestart, intro,
}: { challenge: string; onDone: (codes: string[]) => void; onRestart: (problem: unknown) => void; intro: string }) {
  const { completeSecondFactor } = useSession();
  const [useRecovery, setUseRecovery] = useState(false);
  const [error, setError] = useState<string | undefined>();
  const [problem, setProblem] = useState<unknown>(null);
  const [pending, setPending] = useState(false);
  const field = useRecovery ? 'recovery_code' : 'code';

  async function submit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const value = String(new FormData(e.currentTarget).get(field) ?? '').trim();
    setProblem(null);
    if (!value) {
      setError(useRecovery ? 'Enter one of your recovery codes.' : 'Enter the code from your authenticator app.');
      return;
    }
    setError(undefined);
    setPending(true);
    const factor: SecondFactor = useRecovery ? { recovery_code: value } : { code: value.replace(/\s/g, '') };
    try {
      const { recoveryCodes } = await completeSecondFactor(challenge, factor);
      onDone(recoveryCodes);
    } catch (err) {
      setPending(false);
      if (err instanceof ApiError && err.kind === 'invalid-challenge') return onRestart(err);
      const fields = fieldErrors(err);
      const message = fields[field] ?? fields.code ?? fields.recovery_code;
      if (message) setError(message);
      else setProblem(err);
    }
  }

  return (
    <form onSubmit={(e) => void submit(e)} noValidate aria-labelledby="second-factor-title">
      <h1 id="second-factor-title">Two-factor sign-in</h1>
      <p>{intro}</p>
      <ProblemMessage problem={problem} />
      {useRecovery ? (
        <TextField key="recovery" label="Recovery code" name="recovery_code" autoComplete="off" required error={error} autoFocus />
      ) : (
        <TextField
          key="code"
          label="Code from your authenticator app"
          name="code"
          inputMode="numeric"
          autoComplete="one-time-code"
          required
          error={error}
          autoFocus
        />
      )}
      <button type="submit" className="button button-primary" disabled={pending}>
        {pending ? 'Checking…' : 'Continue'}
      </button>
      <button type="button" className="button button-quiet" onClick={() => { setUseRecovery(!useRecovery); setError(undefined); }}>
        {useRecovery ? 'Use a code from the app instead' : 'Use a recovery code instead'}
      </button>
      <button type="button" className="button button-quiet" onClick={() => onRestart(null)}>
        Start over
      </button>
    </form>
  );
}

function SetupStep({ step, onSetup, onDone, onRestart }: {
  step: Extract<Step, { kind: 'setup' }>;
  onSetup: (setup: MfaSetup) => void;
  onDone: (codes: string[]) => void;
  onRestart: (problem: unknown) => void;
}) {
  const { startSecondFactorSetup } = useSession();
  const [problem, setProblem] = useState<unknown>(null);
  const started = useRef(false);
  useEffect(() => {
    if (step.setup || started.current) return;
    started.current = true;
    startSecondFactorSetup(step.challenge).then(onSetup, (err: unknown) =>
      err instanceof ApiError && err.status === 401 ? onRestart(err) : setProblem(err),
    );
  }, [step, startSecondFactorSetup, onSetup, onRestart]);

  if (problem) return <ProblemMessage problem={problem} title="Two-factor sign-in could not be set up." />;
  if (!step.setup) return <Skeleton lines={3} label="Preparing two-factor sign-in…" />;
  return (
    <div>
      <h2>Set up two-factor sign-in</h2>
      <p>{step.detail}</p>
      <ol>
        <li>
          Add an account in your authenticator app with this key:{' '}
          <code className="secret">{step.setup.secret.replace(/(.{4})/g, '$1 ').trim()}</code>{' '}
          (or <a href={step.setup.otpauth_uri}>open it in the app</a> on this device).
        </li>
        <li>Enter the {step.setup.digits}-digit code the app shows.</li>
      </ol>
      <CodeForm challenge={step.challenge} onDone={onDone} onRestart={onRestart} intro="Enter the code to turn two-factor sign-in on." />
    </div>
  );
}

/** Sign in with email and password, then a second factor when the account needs one. */
export default function SignInPage() {
  usePageTitle('Sign in');
  const session = useSession();
  const [params] = useSearchParams();
  const next = safeNext(params.get('next'));
  const [step, setStep] = useState<Step>({ kind: 'password' });
  const [restartProblem, setRestartProblem] = useState<unknown>(null);
  // After a password reset or an accepted invitation (router state from those pages).
  const notice = (useLocation().state as { notice?: unknown } | null)?.notice;

  if (session.status === 'signed-in' && step.kind !== 'recovery-codes') return <Navigate to={next} replace />;

  const restart = (problem: unknown) => {
    setRestartProblem(problem);
    setStep({ kind: 'password' });
  };
  const finished = (codes: string[]) => setStep(codes.length ? { kind: 'recovery-codes', codes } : { kind: 'done' });

  let body;
  if (step.kind === 'done' || (session.status === 'loading' && step.kind === 'password' && !restartProblem)) {
    body = session.error ? (
      <>
        <ProblemMessage problem={session.error} title="Your account could not be loaded." />
        <button type="button" className="button" onClick={session.retry}>Try again</button>
      </>
    ) : (
      <Skeleton lines={3} label={step.kind === 'done' ? 'Signing you in…' : 'Checking your session…'} />
    );
  } else if (step.kind === 'password') {
    body = (
      <>
        {typeof notice === 'string' && !restartProblem ? <div className="notice" role="status"><p>{notice}</p></div> : null}
        <ProblemMessage problem={restartProblem} />
        <PasswordStep onNext={(s) => { setRestartProblem(null); setStep(s); }} />
        <p className="auth-links">
          <Link to="/forgot-password">Forgot your password?</Link>
          <Link to="/register">Create an account</Link>
        </p>
      </>
    );
  } else if (step.kind === 'totp') {
    body = <CodeForm challenge={step.challenge} onDone={finished} onRestart={restart} intro={step.detail} />;
  } else if (step.kind === 'setup') {
    body = (
      <SetupStep
        step={step}
        onSetup={(setup) => setStep({ ...step, setup })}
        onDone={finished}
        onRestart={restart}
      />
    );
  } else {
    body = (
      <section aria-labelledby="recovery-title">
        <h1 id="recovery-title">Save your recovery codes</h1>
        <p>
          Each code signs you in once if you lose your authenticator app. Keep them somewhere safe: they are shown
          only now.
        </p>
        <ul className="recovery-codes">
          {step.codes.map((c) => (
            <li key={c}>
              <code>{c}</code>
            </li>
          ))}
        </ul>
        <button type="button" className="button button-primary" onClick={() => setStep({ kind: 'done' })}>
          I have saved them, continue
        </button>
      </section>
    );
  }

  return (
    <main id="main" className="sign-in">
      <div className="sign-in-card">
        <p className="app-name" aria-hidden="true">ERP</p>
        {body}
      </div>
    </main>
  );
}
