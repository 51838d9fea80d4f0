import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { expect, it } from 'vitest';

import { fakeSession, jsonResponse, mockFetch, renderWithProviders } from '../../test/utils';
import { payment } from '../invoices/fixtures';
import PaymentsPage from './PaymentsPage';

it('lists payments with links to their invoices and filters by date in the URL', async () => {
  const queries: URLSearchParams[] = [];
  mockFetch((req) => {
    const url = new URL(req.url);
    if (url.pathname === '/api/v1/customers') return jsonResponse({ items: [], next_cursor: null });
    if (url.pathname === '/api/v1/payments') {
      queries.push(url.searchParams);
      return jsonResponse({ items: [payment()], next_cursor: null });
    }
    return undefined;
  });
  const { router } = renderWithProviders(<PaymentsPage />, { session: fakeSession({ permissions: ['payments:read'] }), path: '/payments' });
  expect(await screen.findByRole('link', { name: 'INV-2026-000007' })).toHaveAttribute('href', '/invoices/inv1');
  expect(screen.getByRole('cell', { name: '€30.00' })).toBeInTheDocument();
  expect(screen.getByRole('cell', { name: 'Bank transfer' })).toBeInTheDocument();
  await userEvent.type(screen.getByLabelText('Received from'), '2026-03-01');
  await waitFor(() => expect(router.state.location.search).toContain('from=2026-03-01'));
  await waitFor(() => expect(queries.at(-1)?.get('from')).toBe('2026-03-01'));
});
