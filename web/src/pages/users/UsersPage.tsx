import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { useSearchParams } from 'react-router';

import { api } from '../../api/client';
import { ApiError, unwrap } from '../../api/problem';
import type { Role, Schema } from '../../api/types';
import { ROLE_LABELS, roleLabel } from '../../components/audit/describe';
import { SelectField, TextField } from '../../components/fields';
import { ProblemMessage } from '../../components/ProblemMessage';
import { Skeleton } from '../../components/Skeleton';
import { useMutationForm } from '../../components/useMutationForm';
import { useFormat } from '../../company';
import { usePageTitle } from '../../layout/usePageTitle';
import { useSession } from '../../session/context';
import { ConfirmButton } from '../../components/ConfirmButton';
import './users.css';

type User = Schema<'UserView'>;
type Status = Schema<'UserStatus'>;

const ROLES = Object.keys(ROLE_LABELS) as Role[];
const ROLE_OPTIONS = ROLES.map((r) => ({ value: r, label: ROLE_LABELS[r] }));
const STATUS_LABELS: Record<Status, string> = {
  active: 'Active',
  invited: 'Invited',
  pending: 'Waiting for approval',
  deactivated: 'Deactivated',
  rejected: 'Rejected',
};
const STATUSES = Object.keys(STATUS_LABELS) as Status[];

/** What happened, for the page's status line. */
type Notice = { text: string } | null;

function useUsersInvalidate() {
  const queryClient = useQueryClient();
  return () => queryClient.invalidateQueries({ queryKey: ['users'] });
}

function InviteForm({ onDone }: { onDone: (user: User) => void }) {
  const [email, setEmail] = useState('');
  const [name, setName] = useState('');
  const [role, setRole] = useState<Role>('viewer');
  const [local, setLocal] = useState<Record<string, string>>({});
  const invalidate = useUsersInvalidate();
  const invite = useMutationForm({
    mutationFn: (body: Schema<'InviteRequest'>) => unwrap(api.POST('/api/v1/users', { body })),
    onSuccess: (user) => {
      void invalidate();
      setEmail('');
      setName('');
      setRole('viewer');
      onDone(user);
    },
  });
  const taken = invite.error instanceof ApiError && invite.error.kind === 'email-taken';
  const errors = { ...invite.fieldErrors, ...local };
  if (taken) errors.email = invite.error instanceof ApiError && invite.error.detail ? invite.error.detail : 'An account with this email already exists.';

  function submit(e: FormEvent) {
    e.preventDefault();
    const l: Record<string, string> = {};
    if (!email.trim()) l.email = 'Enter the email address.';
    else if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email.trim())) l.email = 'Enter an email address like name@example.com.';
    if (!name.trim()) l.name = 'Enter the name.';
    setLocal(l);
    if (Object.keys(l).length) return;
    invite.mutate({ email: email.trim(), name: name.trim(), role });
  }

  return (
    <form className="form card users-invite" noValidate onSubmit={submit} aria-labelledby="invite-title">
      <h2 id="invite-title">Invite a user</h2>
      <p>They get an email with a link to choose a password.</p>
      <ProblemMessage problem={taken ? null : invite.formError} />
      <TextField label="Email" name="email" type="email" autoComplete="off" required error={errors.email} value={email} onChange={(e) => setEmail(e.target.value)} />
      <TextField label="Name" name="name" autoComplete="off" required error={errors.name} value={name} onChange={(e) => setName(e.target.value)} />
      <SelectField label="Role" name="role" options={ROLE_OPTIONS} error={errors.role} value={role} onChange={(e) => setRole(e.target.value as Role)} />
      <div className="button-row">
        <button type="submit" className="button button-primary" disabled={invite.isPending}>
          {invite.isPending ? 'Sending…' : 'Send invitation'}
        </button>
      </div>
    </form>
  );
}

function PendingRegistrations({ onNotice }: { onNotice: (n: Notice) => void }) {
  const invalidate = useUsersInvalidate();
  const pending = useQuery({
    queryKey: ['users', 'list', 'pending-registrations'],
    queryFn: () => unwrap(api.GET('/api/v1/users', { params: { query: { status: 'pending', limit: 100 } } })),
  });
  const [roles, setRoles] = useState<Record<string, Role>>({});
  const [problem, setProblem] = useState<unknown>(null);
  const approve = useMutation({
    mutationFn: ({ user, role }: { user: User; role: Role }) =>
      unwrap(api.POST('/api/v1/users/{id}/approve', { params: { path: { id: user.id } }, body: { role } })),
    onMutate: () => setProblem(null),
    onSuccess: (u) => {
      onNotice({ text: `${u.name} is approved as ${roleLabel(u.role)} and can sign in now.` });
      void invalidate();
    },
    onError: setProblem,
  });
  const reject = useMutation({
    mutationFn: (user: User) => unwrap(api.POST('/api/v1/users/{id}/reject', { params: { path: { id: user.id } } })),
    onMutate: () => setProblem(null),
    onSuccess: (u) => {
      onNotice({ text: `The registration of ${u.name} is rejected.` });
      void invalidate();
    },
    onError: setProblem,
  });

  return (
    <section aria-labelledby="pending-title" className="users-pending">
      <h2 id="pending-title">Registrations waiting for approval</h2>
      <p className="users-hint">People who registered and confirmed their email address. Approve them with a role, or reject them.</p>
      <ProblemMessage problem={problem} />
      {pending.isPending ? (
        <Skeleton lines={2} label="Loading registrations…" />
      ) : pending.isError ? (
        <ProblemMessage problem={pending.error} title="The registrations could not be loaded." />
      ) : pending.data.items.length === 0 ? (
        <p>No registration is waiting.</p>
      ) : (
        <ul className="users-pending-list">
          {pending.data.items.map((u) => (
            <li key={u.id} className="card users-pending-item">
              <p className="users-who">
                <strong>{u.name}</strong> <span>{u.email}</span>
              </p>
              <div className="users-pending-actions">
                <SelectField
                  label={`Role for ${u.name}`}
                  name={`role-${u.id}`}
                  options={ROLE_OPTIONS}
                  value={roles[u.id] ?? 'viewer'}
                  onChange={(e) => setRoles({ ...roles, [u.id]: e.target.value as Role })}
                />
                <button
                  type="button"
                  className="button button-primary"
                  disabled={approve.isPending}
                  onClick={() => approve.mutate({ user: u, role: roles[u.id] ?? 'viewer' })}
                >
                  Approve {u.name}
                </button>
                <ConfirmButton
                  label={`Reject ${u.name}`}
                  confirmLabel="Yes, reject"
                  question={`Reject the registration of ${u.name}?`}
                  disabled={reject.isPending}
                  onConfirm={() => reject.mutate(u)}
                />
              </div>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

function RoleEditor({ user, onNotice, onProblem }: { user: User; onNotice: (n: Notice) => void; onProblem: (p: unknown) => void }) {
  const invalidate = useUsersInvalidate();
  const [role, setRole] = useState<Role>(user.role ?? 'viewer');
  const change = useMutation({
    mutationFn: (r: Role) => unwrap(api.PATCH('/api/v1/users/{id}', { params: { path: { id: user.id } }, body: { role: r } })),
    onMutate: () => onProblem(null),
    onSuccess: (u) => {
      onNotice({ text: `${u.name} is now ${roleLabel(u.role)}.` });
      void invalidate();
    },
    onError: (e) => {
      setRole(user.role ?? 'viewer');
      onProblem(e);
    },
  });
  const changed = role !== (user.role ?? 'viewer');
  return (
    <div className="users-role">
      <SelectField
        label={<span className="visually-hidden">Role of {user.name}</span>}
        name={`role-${user.id}`}
        options={ROLE_OPTIONS}
        value={role}
        onChange={(e) => setRole(e.target.value as Role)}
      />
      {changed ? (
        <button type="button" className="button button-primary" disabled={change.isPending} onClick={() => change.mutate(role)}>
          Save role
        </button>
      ) : null}
    </div>
  );
}

function UserActions({ user, isMe, onNotice, onProblem }: { user: User; isMe: boolean; onNotice: (n: Notice) => void; onProblem: (p: unknown) => void }) {
  const invalidate = useUsersInvalidate();
  const done = (text: string) => () => {
    onNotice({ text });
    void invalidate();
  };
  const opts = { onMutate: () => onProblem(null), onError: onProblem };
  const setActive = useMutation({
    mutationFn: (active: boolean) => unwrap(api.PATCH('/api/v1/users/{id}', { params: { path: { id: user.id } }, body: { active } })),
    ...opts,
    onSuccess: (u) => done(u.status === 'active' ? `${u.name} is active again.` : `${u.name} is deactivated and signed out.`)(),
  });
  const resend = useMutation({
    mutationFn: () => unwrap(api.POST('/api/v1/users/{id}/invitation', { params: { path: { id: user.id } } })),
    ...opts,
    onSuccess: done(`A new invitation was sent to ${user.email}.`),
  });
  const revoke = useMutation({
    mutationFn: () => unwrap(api.DELETE('/api/v1/users/{id}/invitation', { params: { path: { id: user.id } } })),
    ...opts,
    onSuccess: done(`The invitation of ${user.email} is revoked.`),
  });
  const unlock = useMutation({
    mutationFn: () => unwrap(api.POST('/api/v1/users/{id}/unlock', { params: { path: { id: user.id } } })),
    ...opts,
    onSuccess: done(`${user.name} can try to sign in again.`),
  });
  const busy = setActive.isPending || resend.isPending || revoke.isPending || unlock.isPending;
  return (
    <div className="users-actions">
      {user.status === 'active' && !isMe ? (
        <ConfirmButton
          label={`Deactivate ${user.name}`}
          confirmLabel="Yes, deactivate"
          question={`Deactivate ${user.name}? They are signed out and cannot sign in.`}
          disabled={busy}
          onConfirm={() => setActive.mutate(false)}
        />
      ) : null}
      {user.status === 'deactivated' && !isMe ? (
        <button type="button" className="button" disabled={busy} onClick={() => setActive.mutate(true)}>
          Reactivate {user.name}
        </button>
      ) : null}
      {user.status === 'invited' ? (
        <>
          <button type="button" className="button" disabled={busy} onClick={() => resend.mutate()}>
            Resend invitation to {user.name}
          </button>
          <ConfirmButton
            label={`Revoke invitation of ${user.name}`}
            confirmLabel="Yes, revoke"
            question={`Revoke the invitation of ${user.email}? The account is removed.`}
            disabled={busy}
            onConfirm={() => revoke.mutate()}
          />
        </>
      ) : null}
      {user.status === 'active' ? (
        <button type="button" className="button" disabled={busy} onClick={() => unlock.mutate()}>
          Unlock sign-in of {user.name}
        </button>
      ) : null}
    </div>
  );
}

function UserTable({ status, onNotice }: { status: Status | undefined; onNotice: (n: Notice) => void }) {
  const { me } = useSession();
  const fmt = useFormat();
  const [problem, setProblem] = useState<unknown>(null);
  const list = useInfiniteQuery({
    queryKey: ['users', 'list', 'table', { status: status ?? null }],
    queryFn: ({ pageParam }) =>
      unwrap(api.GET('/api/v1/users', { params: { query: { limit: 50, ...(status ? { status } : {}), ...(pageParam ? { cursor: pageParam } : {}) } } })),
    initialPageParam: '' as string,
    getNextPageParam: (last) => last.next_cursor ?? undefined,
  });
  if (list.isPending) return <Skeleton lines={4} label="Loading users…" />;
  if (list.isError) return <ProblemMessage problem={list.error} title="The users could not be loaded." />;
  const users = list.data.pages.flatMap((p) => p.items);
  return (
    <>
      <ProblemMessage problem={problem} />
      {users.length === 0 ? (
        <p>{status ? `No user is ${STATUS_LABELS[status].toLowerCase()}.` : 'There are no users yet.'}</p>
      ) : (
        <div className="table-wrap">
          <table className="table table-cards users-table">
            <caption className="visually-hidden">Users{status ? `: ${STATUS_LABELS[status]}` : ''}</caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Email</th>
                <th scope="col">Role</th>
                <th scope="col">Status</th>
                <th scope="col">Since</th>
                <th scope="col">Actions</th>
              </tr>
            </thead>
            <tbody>
              {users.map((u) => {
                const isMe = u.id === me?.id;
                return (
                  <tr key={u.id}>
                    <th scope="row" className="users-name">
                      {u.name}
                      {isMe ? <span className="badge users-you">you</span> : null}
                    </th>
                    <td className="users-email" data-label="Email">{u.email}</td>
                    <td data-label="Role">
                      {!isMe && (u.status === 'active' || u.status === 'invited' || u.status === 'deactivated') ? (
                        <RoleEditor key={`${u.id}-${u.role ?? ''}`} user={u} onNotice={onNotice} onProblem={setProblem} />
                      ) : (
                        roleLabel(u.role)
                      )}
                    </td>
                    <td data-label="Status">
                      <span className={`badge users-status users-status-${u.status}`}>{STATUS_LABELS[u.status]}</span>
                    </td>
                    <td data-label="Since">{fmt.dateTime(u.created_at)}</td>
                    <td data-label="Actions">
                      <UserActions user={u} isMe={isMe} onNotice={onNotice} onProblem={setProblem} />
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
      {list.hasNextPage ? (
        <button type="button" className="button" disabled={list.isFetchingNextPage} onClick={() => void list.fetchNextPage()}>
          {list.isFetchingNextPage ? 'Loading…' : 'Show more users'}
        </button>
      ) : null}
    </>
  );
}

/** Users (admin): pending registrations, invitations, roles and deactivation. */
export default function UsersPage() {
  usePageTitle('Users');
  const [params, setParams] = useSearchParams();
  const raw = params.get('status');
  const status = STATUSES.includes(raw as Status) ? (raw as Status) : undefined;
  const [inviting, setInviting] = useState(false);
  const [notice, setNotice] = useState<Notice>(null);

  return (
    <section className="page users" aria-labelledby="users-title">
      <div className="page-header">
        <h1 id="users-title">Users</h1>
        <button type="button" className="button button-primary" aria-expanded={inviting} aria-controls="users-invite" onClick={() => setInviting(!inviting)}>
          {inviting ? 'Close the invitation' : 'Invite a user'}
        </button>
      </div>
      <div role="status" aria-live="polite">
        {notice ? <p className="notice">{notice.text}</p> : null}
      </div>
      <div id="users-invite">
        {inviting ? (
          <InviteForm
            onDone={(u) => {
              setNotice({ text: `An invitation was sent to ${u.email} (${roleLabel(u.role)}).` });
              setInviting(false);
            }}
          />
        ) : null}
      </div>
      <PendingRegistrations onNotice={setNotice} />
      <section aria-labelledby="all-users-title">
        <h2 id="all-users-title">All users</h2>
        <div className="toolbar">
          <SelectField
            label="Status"
            name="status"
            options={[{ value: '', label: 'All' }, ...STATUSES.map((s) => ({ value: s, label: STATUS_LABELS[s] }))]}
            value={status ?? ''}
            onChange={(e) => {
              const next = new URLSearchParams(params);
              if (e.target.value) next.set('status', e.target.value);
              else next.delete('status');
              setParams(next, { replace: true });
            }}
          />
        </div>
        <UserTable status={status} onNotice={setNotice} />
      </section>
    </section>
  );
}
