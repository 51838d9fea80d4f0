import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';

import { api } from '../../api/client';
import { ApiError, unwrap } from '../../api/problem';
import type { Schema } from '../../api/types';
import { useFormat } from '../../company';
import { ProblemMessage } from '../../components/ProblemMessage';
import { Skeleton } from '../../components/Skeleton';
import { session as browserSession, useSession } from '../../session';

type SessionView = Schema<'SessionView'>;

export const sessionsQueryKey = ['account', 'sessions'] as const;

/** "Firefox on Windows" from a User-Agent, else the raw text (or "Unknown device"). */
export function deviceName(userAgent: string | null | undefined): string {
  if (!userAgent) return 'Unknown device';
  const ua = userAgent;
  const browser =
    /Edg\//.test(ua) ? 'Edge'
    : /OPR\/|Opera/.test(ua) ? 'Opera'
    : /Firefox\//.test(ua) ? 'Firefox'
    : /Chrome\/|Chromium\/|HeadlessChrome/.test(ua) ? 'Chrome'
    : /Safari\//.test(ua) ? 'Safari'
    : null;
  const os =
    /iPhone|iPad|iPod/.test(ua) ? 'iOS'
    : /Android/.test(ua) ? 'Android'
    : /Windows/.test(ua) ? 'Windows'
    : /Mac OS X|Macintosh/.test(ua) ? 'macOS'
    : /CrOS/.test(ua) ? 'ChromeOS'
    : /Linux/.test(ua) ? 'Linux'
    : null;
  if (browser && os) return `${browser} on ${os}`;
  return browser ?? os ?? ua;
}

/** The caller's sessions: where and when, this one marked, end one. */
export function SessionsSection() {
  const fmt = useFormat();
  const { signOut } = useSession();
  const queryClient = useQueryClient();
  const list = useQuery({
    queryKey: sessionsQueryKey,
    queryFn: () => unwrap(api.GET('/api/v1/auth/sessions')),
  });
  const anyCurrent = list.data?.items.some((s) => s.current) ?? false;
  const end = useMutation({
    mutationFn: async (s: SessionView) => {
      try {
        await unwrap(api.DELETE('/api/v1/auth/sessions/{id}', { params: { path: { id: s.id } } }));
      } catch (error) {
        // Already ended: the list was out of date.
        if (!(error instanceof ApiError && error.status === 404)) throw error;
      }
      return s;
    },
    onSuccess: async (s) => {
      if (s.current) return signOut();
      // When the server could not say which session is ours, check that ours still works:
      // if it was the one ended, the refresh fails and the app signs out.
      if (!anyCurrent && !(await browserSession.refresh())) return;
      await queryClient.invalidateQueries({ queryKey: sessionsQueryKey });
    },
  });

  let body;
  if (list.isPending) body = <Skeleton lines={3} label="Loading your sessions…" />;
  else if (list.isError) body = <ProblemMessage problem={list.error} title="Your sessions could not be loaded." />;
  else if (list.data.items.length === 0) body = <p>There are no other signed-in sessions.</p>;
  else {
    body = (
      <ul className="account-sessions" aria-label="Signed-in sessions">
        {list.data.items.map((s) => {
          const device = deviceName(s.user_agent);
          return (
            <li key={s.id}>
              <div className="account-session-info">
                <p className="account-session-device">
                  {device} {s.current ? <span className="badge">This session</span> : null}
                </p>
                <p className="account-session-when">
                  Signed in {fmt.dateTime(s.created_at)}
                  {s.ip ? ` from ${s.ip}` : ''}
                  {s.last_used_at ? ` · last active ${fmt.dateTime(s.last_used_at)}` : ''}
                </p>
              </div>
              <button
                type="button"
                className="button"
                disabled={end.isPending}
                onClick={() => end.mutate(s)}
                aria-label={`${s.current ? 'Sign out of this session' : 'End session'}: ${device}, signed in ${fmt.dateTime(s.created_at)}`}
              >
                {s.current ? 'Sign out' : 'End session'}
              </button>
            </li>
          );
        })}
      </ul>
    );
  }

  return (
    <section className="card" aria-labelledby="account-sessions-title">
      <h2 id="account-sessions-title">Signed-in sessions</h2>
      <p className="account-muted">
        Each sign-in on a browser or device is a session. End the ones you do not recognise or no longer use; that
        device is signed out within 15 minutes. Ending this browser’s session signs you out here.
      </p>
      {end.isSuccess ? (
        <div className="notice" role="status">
          <p>The session was ended.</p>
        </div>
      ) : null}
      <ProblemMessage problem={end.error} title="The session could not be ended." />
      {body}
    </section>
  );
}
