import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';

import { fakeSession, jsonResponse, mockFetch, renderWithProviders } from '../../test/utils';
import { invoice, issued } from './fixtures';
import InvoicesPage from './InvoicesPage';

afterEach(() => vi.unstubAllGlobals());

const customers = jsonResponse({ items: [{ id: 'c1', name: 'Acme Ltd' }], next_cursor: null });

describe('InvoicesPage', () => {
  it('lists invoices with totals, balance and status, and puts the filters in the URL', async () => {
    const queries: URLSearchParams[] = [];
    mockFetch((req) => {
      const url = new URL(req.url);
      if (url.pathname === '/api/v1/customers') return customers;
      if (url.pathname === '/api/v1/invoices') {
        queries.push(url.searchParams);
        return jsonResponse({ items: [issued({ overdue: true, balance_due: 5400, amount_paid: 3000, status: 'partially_paid' }), invoice({ id: 'inv2' })], next_cursor: 'next1' });
      }
      return undefined;
    });
    const { router } = renderWithProviders(<InvoicesPage />, { session: fakeSession({ permissions: ['invoices:read', 'customers:read'] }), path: '/invoices' });
    const row = (await screen.findByRole('link', { name: 'INV-2026-000007' })).closest('tr') as HTMLElement;
    expect(within(row).getByText('Partly paid')).toBeInTheDocument();
    expect(within(row).getByText('Overdue')).toBeInTheDocument();
    expect(within(row).getByText('€84.00')).toBeInTheDocument();
    expect(within(row).getByText('€54.00')).toBeInTheDocument();
    expect(screen.getByRole('link', { name: 'Draft invoice' })).toHaveAttribute('href', '/invoices/inv2');
    expect(screen.queryByRole('link', { name: 'New invoice' })).not.toBeInTheDocument();

    await userEvent.selectOptions(screen.getByLabelText('Status'), 'overdue');
    await waitFor(() => expect(router.state.location.search).toContain('status=overdue'));
    await userEvent.selectOptions(await screen.findByLabelText('Customer'), 'c1');
    await waitFor(() => expect(router.state.location.search).toContain('customer=c1'));
    await waitFor(() => expect(queries.at(-1)?.get('customer_id')).toBe('c1'));
    expect(queries.at(-1)?.get('status')).toBe('overdue');

    await userEvent.click(screen.getByRole('button', { name: 'Next page' }));
    await waitFor(() => expect(queries.at(-1)?.get('cursor')).toBe('next1'));
    expect(screen.getByRole('button', { name: 'Previous page' })).toBeInTheDocument();
  });

  it('exports every page the filters select as CSV', async () => {
    const queries: URLSearchParams[] = [];
    mockFetch((req) => {
      const url = new URL(req.url);
      if (url.pathname === '/api/v1/customers') return customers;
      if (url.pathname === '/api/v1/invoices') {
        queries.push(url.searchParams);
        const cursor = url.searchParams.get('cursor');
        if (url.searchParams.get('limit') === '100')
          return jsonResponse(cursor ? { items: [issued({ id: 'b', number: 'INV-2026-000009' })], next_cursor: null } : { items: [issued({ id: 'a' })], next_cursor: 'p2' });
        return jsonResponse({ items: [issued()], next_cursor: null });
      }
      return undefined;
    });
    const blobs: Blob[] = [];
    const create = vi.fn((b: Blob) => { blobs.push(b); return 'blob:csv'; });
    vi.stubGlobal('URL', Object.assign(URL, { createObjectURL: create, revokeObjectURL: vi.fn() }));
    const click = vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(() => {});
    renderWithProviders(<InvoicesPage />, { session: fakeSession({ permissions: ['invoices:read'] }), path: '/invoices?status=issued&from=2026-01-01' });
    await screen.findByRole('link', { name: 'INV-2026-000007' });
    await userEvent.click(screen.getByRole('button', { name: 'Export CSV' }));
    expect(await screen.findByText('Exported 2 documents.')).toBeInTheDocument();
    const exportCalls = queries.filter((q) => q.get('limit') === '100');
    expect(exportCalls).toHaveLength(2);
    for (const q of exportCalls) {
      expect(q.get('status')).toBe('issued');
      expect(q.get('from')).toBe('2026-01-01');
    }
    expect(exportCalls[1]?.get('cursor')).toBe('p2');
    expect(click).toHaveBeenCalledTimes(1);
    const text = await (blobs[0] as Blob).text();
    expect(text).toContain('INV-2026-000009');
    expect(text.split('\r\n')).toHaveLength(4);
    click.mockRestore();
  });
});

it('hides credit notes unless asked for', async () => {
  mockFetch((req) => {
    const url = new URL(req.url);
    if (url.pathname === '/api/v1/customers') return customers;
    if (url.pathname === '/api/v1/invoices') {
      const note = issued({ id: 'cn1', kind: 'credit_note', status: 'applied', number: 'CN-2026-000001', due_date: null });
      return jsonResponse({ items: url.searchParams.get('status') === 'applied' ? [note] : [issued(), note], next_cursor: null });
    }
    return undefined;
  });
  renderWithProviders(<InvoicesPage />, { session: fakeSession({ permissions: ['invoices:read'] }), path: '/invoices' });
  expect(await screen.findByRole('link', { name: 'INV-2026-000007' })).toBeInTheDocument();
  expect(screen.queryByRole('link', { name: /CN-2026-000001/ })).not.toBeInTheDocument();
  await userEvent.selectOptions(screen.getByLabelText('Status'), 'applied');
  expect(await screen.findByRole('link', { name: /CN-2026-000001/ })).toBeInTheDocument();
});
