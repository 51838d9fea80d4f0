import { screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';

import { fakeSession, jsonResponse, mockFetch, renderWithProviders } from '../../test/utils';
import { customer } from '../customers/fixtures';
import { invoice, issued } from './fixtures';
import InvoiceEditPage from './InvoiceEditPage';

const session = fakeSession({ permissions: ['invoices:read', 'invoices:write', 'customers:read', 'products:read'] });

describe('InvoiceEditPage', () => {
  it('creates a draft invoice for a chosen customer from the lines typed', async () => {
    let sent: unknown = null;
    mockFetch(async (req) => {
      const url = new URL(req.url);
      if (url.pathname === '/api/v1/customers') return jsonResponse({ items: [customer({ id: 'c7', name: 'Harbour Ltd', currency: 'EUR' })], next_cursor: null });
      if (url.pathname === '/api/v1/invoices' && req.method === 'POST') {
        sent = await req.json();
        return jsonResponse(invoice({ id: 'inv9' }), 201, { ETag: '"1"' });
      }
      return undefined;
    });
    const user = userEvent.setup();
    const { router } = renderWithProviders(<InvoiceEditPage />, { session, path: '/invoices/new', route: '/invoices/new' });
    await user.click(screen.getByRole('button', { name: 'Create draft invoice' }));
    expect(screen.getByRole('combobox', { name: /Customer/ })).toHaveAccessibleDescription(/Choose the customer\./);
    expect(sent).toBeNull();
    await user.type(screen.getByRole('combobox', { name: /Customer/ }), 'harb');
    await user.click(await screen.findByRole('option', { name: /Harbour Ltd/ }, { timeout: 2000 }));
    await user.click(screen.getByRole('combobox', { name: 'Item, line 1' }));
    await user.keyboard('Audit{Tab}{Control>}a{/Control}2{Tab}150{Tab}{Tab}20');
    await user.click(screen.getByRole('button', { name: 'Create draft invoice' }));
    await screen.findByText('Elsewhere');
    expect(router.state.location.pathname).toBe('/invoices/inv9');
    expect(sent).toEqual({
      customer_id: 'c7', notes: null, due_date: null,
      lines: [{ product_id: null, description: 'Audit', quantity: '2', unit_price: 15000, discount: null, tax_rate: '20' }],
    });
  });

  it('edits a draft with If-Match', async () => {
    let ifMatch: string | null = null;
    let body: { lines?: unknown[] } = {};
    mockFetch(async (req) => {
      const url = new URL(req.url);
      if (url.pathname !== '/api/v1/invoices/inv1') return undefined;
      if (req.method === 'PATCH') {
        ifMatch = req.headers.get('If-Match');
        body = (await req.json()) as typeof body;
        return jsonResponse(invoice({ version: 4 }), 200, { ETag: '"4"' });
      }
      return jsonResponse(invoice({ version: 3 }), 200, { ETag: '"3"' });
    });
    const user = userEvent.setup();
    renderWithProviders(<InvoiceEditPage />, { session, path: '/invoices/inv1/edit', route: '/invoices/:id/edit' });
    expect(await screen.findByRole('combobox', { name: 'Item, line 2' })).toHaveValue('Setup, "express"');
    expect(document.querySelector('[data-total="total"]')?.textContent).toBe(new Intl.NumberFormat(navigator.language || 'en-US', { style: 'currency', currency: 'EUR' }).format(84));
    await user.click(screen.getByRole('button', { name: 'Remove line 1' }));
    await user.click(screen.getByRole('button', { name: 'Save changes' }));
    await screen.findByText('Elsewhere');
    expect(ifMatch).toBe('"3"');
    expect(body.lines).toHaveLength(1);
  });

  it('refuses to edit an issued invoice', async () => {
    mockFetch((req) => (new URL(req.url).pathname === '/api/v1/invoices/inv1' ? jsonResponse(issued({ id: 'inv1' }), 200, { ETag: '"2"' }) : undefined));
    renderWithProviders(<InvoiceEditPage />, { session, path: '/invoices/inv1/edit', route: '/invoices/:id/edit' });
    expect(await screen.findByText(/Only a draft invoice can be edited; this one is issued\./)).toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Save changes' })).not.toBeInTheDocument();
  });
});
