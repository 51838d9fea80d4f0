import { screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';

import type { Schema } from '../../api/types';
import { AuditHistory } from '../../components/audit/AuditHistory';
import { fakeSession, jsonResponse, mockFetch, renderWithProviders } from '../../test/utils';
import AuditPage from './AuditPage';

type Rec = Schema<'AuditRecord'>;
const rec = (over: Partial<Rec>): Rec => ({
  id: 'a1', action: 'customer.updated', actor_id: 'u9', actor_role: 'sales', at: '2026-11-20T09:30:00Z',
  changes: [], entity_id: 'c1', entity_type: 'customer', request_id: 'r1', ...over,
});
const records: Rec[] = [
  rec({ id: 'a2', changes: [{ field: 'email', old: 'a@x.com', new: 'b@x.com' }] }),
  rec({ id: 'a1', action: 'customer.created', changes: [{ field: 'name', old: null, new: 'Acme Ltd' }, { field: 'version', old: null, new: 1 }] }),
  rec({
    id: 'a3', action: 'settings.company_updated', entity_type: 'settings', entity_id: 'company',
    changes: [{ field: 'address', old: { city: 'Berlin', line1: 'Main 1' }, new: { city: 'Bonn', line1: 'Main 1' } }, { field: 'brand_colour', old: '#1F4E79', new: '#AA0011' }],
  }),
];
const users = [{ id: 'u9', name: 'Ana Lee', email: 'ana@example.com', role: 'sales', status: 'active', created_at: 'x', updated_at: 'x' }];

function serve() {
  return mockFetch((req) => {
    const url = new URL(req.url);
    if (url.pathname === '/api/v1/audit') return jsonResponse({ items: records, next_cursor: url.searchParams.get('cursor') ? null : 'next-1' });
    if (url.pathname === '/api/v1/users') return jsonResponse({ items: users, next_cursor: null });
    return undefined;
  });
}

describe('AuditPage', () => {
  it('shows entries in words with readable changes', async () => {
    serve();
    renderWithProviders(<AuditPage />, { session: fakeSession({ permissions: ['audit:read', 'users:manage'] }), path: '/audit' });
    expect(await screen.findByText('Ana Lee updated customer Acme Ltd')).toBeInTheDocument();
    expect(screen.getByText('Ana Lee created customer Acme Ltd')).toBeInTheDocument();
    expect(screen.getByText('Ana Lee updated the company settings')).toBeInTheDocument();
    const email = screen.getByText('email:').closest('li') as HTMLElement;
    expect(email).toHaveTextContent('email: a@x.com → changed to b@x.com');
    expect(screen.getByText('address city:').closest('li')).toHaveTextContent('Berlin → changed to Bonn');
    expect(screen.queryByText('version:')).not.toBeInTheDocument();
  });

  it('keeps filters and the page cursor in the URL', async () => {
    const fetch = serve();
    const { router } = renderWithProviders(<AuditPage />, { session: fakeSession({ permissions: ['audit:read'] }), path: '/audit' });
    const u = userEvent.setup();
    await screen.findByText(/updated customer/);
    await u.selectOptions(screen.getByLabelText('Kind of record'), 'customer');
    await u.click(screen.getByRole('button', { name: 'Show' }));
    expect(screen.getByLabelText('Record id')).toHaveAccessibleDescription('Enter the record’s id to see its history.');
    await u.type(screen.getByLabelText('Record id'), 'c1');
    await u.type(screen.getByLabelText('From'), '2026-11-01');
    await u.click(screen.getByRole('button', { name: 'Show' }));
    expect(router.state.location.search).toBe('?entity_type=customer&entity_id=c1&from=2026-11-01');
    await u.click(await screen.findByRole('button', { name: 'Older entries' }));
    expect(router.state.location.search).toContain('cursor=next-1');
    const last = new URL((fetch.mock.calls.at(-1)?.[0] as Request).url);
    expect(last.searchParams.get('entity_id')).toBe('c1');
    expect(last.searchParams.get('cursor')).toBe('next-1');
  });
});

describe('AuditHistory', () => {
  it('shows one record’s history to audit readers only', async () => {
    const fetch = serve();
    const { unmount } = renderWithProviders(<AuditHistory entityType="customer" entityId="c1" />, { session: fakeSession({ permissions: ['audit:read'] }) });
    expect(await screen.findByRole('heading', { name: 'History' })).toBeInTheDocument();
    expect(await screen.findByText(/Sales u9 updated customer Acme Ltd/)).toBeInTheDocument();
    const url = new URL((fetch.mock.calls.at(0)?.[0] as Request).url);
    expect(url.searchParams.get('entity_type')).toBe('customer');
    expect(url.searchParams.get('entity_id')).toBe('c1');
    expect(await screen.findByRole('button', { name: 'Show older changes' })).toBeInTheDocument();
    unmount();
    renderWithProviders(<AuditHistory entityType="customer" entityId="c1" />, { session: fakeSession({ permissions: ['customers:read'] }) });
    expect(screen.queryByRole('heading', { name: 'History' })).not.toBeInTheDocument();
  });
});
