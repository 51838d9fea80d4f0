import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';

import type { Schema } from '../../api/types';
import { fakeSession, jsonResponse, mockFetch, renderWithProviders } from '../../test/utils';
import UsersPage from './UsersPage';

type User = Schema<'UserView'>;
const at = '2026-11-01T10:00:00Z';
const user = (id: string, name: string, status: User['status'], role: User['role'] = 'viewer'): User => ({
  id, name, email: `${id}@example.com`, role, status, created_at: at, updated_at: at,
});
const me = user('u1', 'Ada Lovelace', 'active', 'admin');
const bob = user('u2', 'Bob Stone', 'active', 'sales');
const pending = user('u3', 'Cleo Pending', 'pending', null);
// fakeSession's user is u1, Ada Lovelace.
const session = () => fakeSession({ permissions: ['users:manage'] });

function api(extra?: (req: Request, url: URL) => Response | undefined) {
  return mockFetch((req) => {
    const url = new URL(req.url);
    const hit = extra?.(req, url);
    if (hit) return hit;
    if (url.pathname === '/api/v1/users' && req.method === 'GET') {
      const status = url.searchParams.get('status');
      const all = [me, bob, pending];
      return jsonResponse({ items: status ? all.filter((u) => u.status === status) : all, next_cursor: null });
    }
    return undefined;
  });
}

describe('UsersPage', { timeout: 15_000 }, () => {
  it('approves a pending registration with the chosen role', async () => {
    const bodies: unknown[] = [];
    const fetch = api((req, url) => {
      if (url.pathname === '/api/v1/users/u3/approve') {
        void req.clone().json().then((b) => bodies.push(b));
        return jsonResponse({ ...pending, status: 'active', role: 'accountant' });
      }
      return undefined;
    });
    renderWithProviders(<UsersPage />, { session: session(), path: '/users' });
    const u = userEvent.setup();
    await u.selectOptions(await screen.findByLabelText('Role for Cleo Pending'), 'accountant');
    await u.click(screen.getByRole('button', { name: 'Approve Cleo Pending' }));
    expect(await screen.findByText('Cleo Pending is approved as Accountant and can sign in now.')).toBeInTheDocument();
    const call = fetch.mock.calls.map(([r]) => r as Request).find((r) => r.url.endsWith('/api/v1/users/u3/approve'));
    expect(call?.method).toBe('POST');
    expect(bodies).toEqual([{ role: 'accountant' }]);
  });

  it('hides role, deactivate and reactivate on the own row', async () => {
    api();
    renderWithProviders(<UsersPage />, { session: session(), path: '/users' });
    const table = await screen.findByRole('table');
    const own = within(table).getByRole('rowheader', { name: /Ada Lovelace/ }).closest('tr') as HTMLElement;
    expect(within(own).queryByRole('button', { name: /Deactivate/ })).not.toBeInTheDocument();
    expect(within(own).queryByRole('combobox')).not.toBeInTheDocument();
    expect(within(own).getByText('Administrator')).toBeInTheDocument();
    const other = within(table).getByRole('rowheader', { name: 'Bob Stone' }).closest('tr') as HTMLElement;
    expect(within(other).getByRole('button', { name: 'Deactivate Bob Stone' })).toBeInTheDocument();
    expect(within(other).getByLabelText('Role of Bob Stone')).toHaveValue('sales');
  });

  it('asks before deactivating and shows a last-admin conflict as a message', async () => {
    api((req, url) =>
      url.pathname === '/api/v1/users/u2' && req.method === 'PATCH'
        ? jsonResponse({ type: '/problems/last-admin', title: 'Conflict', status: 409, detail: 'The last active administrator cannot be deactivated.' }, 409)
        : undefined,
    );
    renderWithProviders(<UsersPage />, { session: session(), path: '/users' });
    const u = userEvent.setup();
    await u.click(await screen.findByRole('button', { name: 'Deactivate Bob Stone' }));
    expect(screen.getByRole('group', { name: /Deactivate Bob Stone\?/ })).toBeInTheDocument();
    await u.click(screen.getByRole('button', { name: 'Yes, deactivate' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('The last active administrator cannot be deactivated.');
  });

  it('shows an email already taken next to the email field', async () => {
    api((req, url) =>
      url.pathname === '/api/v1/users' && req.method === 'POST'
        ? jsonResponse({ type: '/problems/email-taken', title: 'Conflict', status: 409, detail: 'An account with this email already exists.' }, 409)
        : undefined,
    );
    renderWithProviders(<UsersPage />, { session: session(), path: '/users' });
    const u = userEvent.setup();
    await u.click(await screen.findByRole('button', { name: 'Invite a user' }));
    await u.click(screen.getByRole('button', { name: 'Send invitation' }));
    expect(screen.getByLabelText(/^Email/)).toHaveAccessibleDescription('Enter the email address.');
    expect(screen.getByLabelText(/^Name/)).toHaveAccessibleDescription('Enter the name.');
    await u.type(screen.getByLabelText(/^Email/), 'bob@example.com');
    await u.type(screen.getByLabelText(/^Name/), 'Bob');
    await u.click(screen.getByRole('button', { name: 'Send invitation' }));
    const email = screen.getByLabelText(/^Email/);
    expect(await screen.findByText('An account with this email already exists.')).toBeInTheDocument();
    expect(email).toHaveAttribute('aria-invalid', 'true');
    expect(email).toHaveAccessibleDescription('An account with this email already exists.');
    expect(screen.queryByRole('alert')).not.toBeInTheDocument();
  });

  it('filters by status through the URL', async () => {
    api();
    const { router } = renderWithProviders(<UsersPage />, { session: session(), path: '/users' });
    await userEvent.setup().selectOptions(await screen.findByLabelText('Status'), 'pending');
    expect(router.state.location.search).toBe('?status=pending');
  });
});
