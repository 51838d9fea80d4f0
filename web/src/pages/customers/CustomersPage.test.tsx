import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';

import { fakeSession, jsonResponse, mockFetch, renderWithProviders } from '../../test/utils';
import CustomersPage from './CustomersPage';
import { customer } from './fixtures';

const reader = fakeSession({ permissions: ['customers:read'] });
const writer = fakeSession({ permissions: ['customers:read', 'customers:write'] });

function listRequests(fetch: ReturnType<typeof mockFetch>) {
  return fetch.mock.calls
    .map(([input]) => new URL((input as Request).url))
    .filter((u) => u.pathname === '/api/v1/customers');
}

afterEach(() => vi.unstubAllGlobals());

describe('CustomersPage', () => {
  it('lists customers in a table with headers', async () => {
    mockFetch((req) => (new URL(req.url).pathname === '/api/v1/customers' ? jsonResponse({ items: [customer()], next_cursor: null }) : undefined));
    renderWithProviders(<CustomersPage />, { session: reader, path: '/customers' });
    const table = await screen.findByRole('table', { name: /customers, page 1/i });
    expect(within(table).getByRole('columnheader', { name: 'Email' })).toBeInTheDocument();
    expect(within(table).getByRole('link', { name: 'Acme GmbH' })).toHaveAttribute('href', '/customers/c1');
    expect(within(table).getByRole('cell', { name: 'billing@acme.example' })).toBeInTheDocument();
    expect(within(table).getByRole('cell', { name: '30 days' })).toBeInTheDocument();
  });

  it('says there are no customers yet, and hides "New customer" without the write permission', async () => {
    mockFetch(() => jsonResponse({ items: [], next_cursor: null }));
    renderWithProviders(<CustomersPage />, { session: reader, path: '/customers' });
    expect(await screen.findByText(/there are no customers yet/i)).toBeInTheDocument();
    expect(screen.queryByRole('link', { name: 'New customer' })).not.toBeInTheDocument();
  });

  it('shows "New customer" to writers', async () => {
    mockFetch(() => jsonResponse({ items: [], next_cursor: null }));
    renderWithProviders(<CustomersPage />, { session: writer, path: '/customers' });
    expect(await screen.findByRole('link', { name: 'New customer' })).toHaveAttribute('href', '/customers/new');
  });

  it('says nothing matches a search, differently from an empty list', async () => {
    mockFetch(() => jsonResponse({ items: [], next_cursor: null }));
    renderWithProviders(<CustomersPage />, { session: reader, path: '/customers?q=zz' });
    expect(await screen.findByText(/no customer matches “zz”/i)).toBeInTheDocument();
    expect(screen.queryByText(/no customers yet/i)).not.toBeInTheDocument();
  });

  it('debounces the search into the URL and the request, sorted by name', async () => {
    const fetch = mockFetch(() => jsonResponse({ items: [customer()], next_cursor: null }));
    const { router } = renderWithProviders(<CustomersPage />, { session: reader, path: '/customers?sort=-created' });
    await screen.findByRole('table');
    await userEvent.type(screen.getByRole('searchbox', { name: 'Search' }), 'Acm');
    expect(router.state.location.search).not.toContain('q=');
    await waitFor(() => expect(router.state.location.search).toContain('q=Acm'));
    await waitFor(() => expect(listRequests(fetch).some((u) => u.searchParams.get('q') === 'Acm')).toBe(true));
    const searched = listRequests(fetch).filter((u) => u.searchParams.has('q'));
    // One request for the whole word, not one per keystroke; search results are ordered by name.
    expect(searched).toHaveLength(1);
    expect(searched[0]?.searchParams.get('sort')).toBe('-name');
    expect(screen.getByText('By name while searching.')).toBeInTheDocument();
  });

  it('keeps filters in the URL and sends them', async () => {
    const fetch = mockFetch(() => jsonResponse({ items: [], next_cursor: null }));
    const { router } = renderWithProviders(<CustomersPage />, { session: reader, path: '/customers' });
    await screen.findByText(/no customers yet/i);
    await userEvent.selectOptions(screen.getByRole('combobox', { name: 'Status' }), 'archived');
    await waitFor(() => expect(router.state.location.search).toContain('status=archived'));
    await userEvent.selectOptions(screen.getByRole('combobox', { name: 'Sort' }), '-created');
    await waitFor(() => expect(router.state.location.search).toContain('sort=-created'));
    await waitFor(() => {
      const last = listRequests(fetch).at(-1);
      expect(last?.searchParams.get('status')).toBe('archived');
      expect(last?.searchParams.get('sort')).toBe('-created');
    });
    expect(await screen.findByText(/no archived customer matches these filters/i)).toBeInTheDocument();
    await userEvent.type(screen.getByLabelText('Created from'), '2026-03-01');
    await waitFor(() => expect(router.state.location.search).toContain('from=2026-03-01'));
    await waitFor(() => expect(listRequests(fetch).at(-1)?.searchParams.get('created_from')).toBe('2026-03-01'));
  });

  it('pages forward with the cursor and back again', async () => {
    const fetch = mockFetch((req) => {
      const cursor = new URL(req.url).searchParams.get('cursor');
      return cursor === 'c2'
        ? jsonResponse({ items: [customer({ id: 'c9', name: 'Zeta Ltd' })], next_cursor: null })
        : jsonResponse({ items: [customer()], next_cursor: 'c2' });
    });
    const { router } = renderWithProviders(<CustomersPage />, { session: reader, path: '/customers' });
    await screen.findByRole('link', { name: 'Acme GmbH' });
    expect(screen.queryByRole('button', { name: 'Previous page' })).not.toBeInTheDocument();
    await userEvent.click(screen.getByRole('button', { name: 'Next page' }));
    expect(await screen.findByRole('link', { name: 'Zeta Ltd' })).toBeInTheDocument();
    expect(router.state.location.search).toContain('page=c2');
    expect(listRequests(fetch).at(-1)?.searchParams.get('cursor')).toBe('c2');
    expect(screen.queryByRole('button', { name: 'Next page' })).not.toBeInTheDocument();
    await userEvent.click(screen.getByRole('button', { name: 'Previous page' }));
    expect(await screen.findByRole('link', { name: 'Acme GmbH' })).toBeInTheDocument();
    expect(router.state.location.search).not.toContain('page=');
  });
});
