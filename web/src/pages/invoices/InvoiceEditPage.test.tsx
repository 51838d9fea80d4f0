import { screen, within } from '@testing-library/react';
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

  it('edits the buyer reference, the purchase order and the VAT category, and shows the server’s line errors at the line', async () => {
    const bodies: Record<string, unknown>[] = [];
    mockFetch(async (req) => {
      const url = new URL(req.url);
      if (url.pathname !== '/api/v1/invoices/inv1') return undefined;
      if (req.method === 'PATCH') {
        bodies.push((await req.json()) as Record<string, unknown>);
        if (bodies.length === 1) {
          return jsonResponse({
            type: '/problems/validation', title: 'Invalid input', status: 422, detail: 'Some fields are invalid.',
            errors: [
              { field: 'lines[1].vat_category', message: 'must be one of S, Z, E, AE, K, G, O' },
              { field: 'lines[1].vat_exemption_reason', message: 'is not a VATEX code of the EN 16931 code list' },
              { field: 'lines[0].unit_code', message: 'must be a UN/ECE Recommendation 20 unit code such as C62, HUR or KGM' },
            ],
          }, 422);
        }
        return jsonResponse(invoice({ version: 4 }), 200, { ETag: '"4"' });
      }
      const lines = invoice().lines.map((l, i) => (i === 0 ? { ...l, unit_code: 'HUR' } : l));
      return jsonResponse(invoice({ version: 3, lines, buyer_reference: 'OLD-REF' }), 200, { ETag: '"3"' });
    });
    const user = userEvent.setup();
    renderWithProviders(<InvoiceEditPage />, { session, path: '/invoices/inv1/edit', route: '/invoices/:id/edit' });
    const buyer = await screen.findByRole('textbox', { name: 'Buyer reference' });
    expect(buyer).toHaveValue('OLD-REF');
    await user.clear(buyer);
    await user.type(screen.getByRole('textbox', { name: 'Purchase order number' }), 'PO-778');
    await user.clear(screen.getByRole('textbox', { name: 'Tax rate, line 2' }));
    await user.type(screen.getByRole('textbox', { name: 'Tax rate, line 2' }), '0');
    await user.selectOptions(screen.getByRole('combobox', { name: 'VAT category, line 2' }), 'AE');
    await user.type(screen.getByRole('textbox', { name: 'Exemption reason, line 2' }), 'VATEX-EU-XX');
    await user.click(screen.getByRole('button', { name: 'Save changes' }));
    expect(await screen.findByText('Must be one of S, Z, E, AE, K, G, O.')).toBeInTheDocument();
    expect(screen.getByRole('combobox', { name: 'VAT category, line 2' })).toHaveAccessibleDescription('Must be one of S, Z, E, AE, K, G, O.');
    expect(screen.getByRole('textbox', { name: 'Exemption reason, line 2' })).toHaveAccessibleDescription('Is not a VATEX code of the EN 16931 code list.');
    expect(screen.getByRole('combobox', { name: 'Item, line 1' })).toHaveAccessibleDescription(/UN\/ECE Recommendation 20 unit code/);
    expect(bodies[0]).toMatchObject({ buyer_reference: null, purchase_order_reference: 'PO-778' });
    const lines = bodies[0]?.lines as Record<string, unknown>[];
    // The stored unit goes back as it was; "auto" lines send no category.
    expect(lines[0]).toMatchObject({ unit_code: 'HUR' });
    expect(lines[0]).not.toHaveProperty('vat_category');
    expect(lines[1]).toMatchObject({ tax_rate: '0', vat_category: 'AE', vat_exemption_reason: 'VATEX-EU-XX' });
    await user.clear(screen.getByRole('textbox', { name: 'Exemption reason, line 2' }));
    await user.click(screen.getByRole('button', { name: 'Save changes' }));
    await screen.findByText('Elsewhere');
    expect(bodies[1]?.lines).toEqual([expect.objectContaining({ unit_code: 'HUR' }), expect.not.objectContaining({ vat_exemption_reason: expect.anything() })]);
  });

  it('shows the rules that stopped the issue at their lines, until the line is changed', async () => {
    mockFetch((req) => (new URL(req.url).pathname === '/api/v1/invoices/inv1' ? jsonResponse(invoice(), 200, { ETag: '"1"' }) : undefined));
    const einvoiceErrors = [
      { field: 'lines[1].tax_rate', message: 'BR-S-05: a standard-rated line (S) needs a tax rate above 0' },
      { field: 'buyer_reference', message: 'PEPPOL-EN16931-R003: Peppol needs a buyer reference or a purchase order reference on the invoice' },
      { field: 'customer.billing_address', message: "BR-10: An invoice needs the buyer's postal address with its country: set the customer's billing address" },
    ];
    const user = userEvent.setup();
    renderWithProviders(<InvoiceEditPage />, { session, path: '/invoices/inv1/edit#buyer_reference', route: '/invoices/:id/edit', state: { einvoiceErrors } });
    const buyer = await screen.findByRole('textbox', { name: 'Buyer reference' });
    expect(buyer).toHaveFocus();
    expect(buyer).toHaveAccessibleDescription(/PEPPOL-EN16931-R003/);
    const alert = screen.getByRole('alert');
    expect(alert).toHaveTextContent('This invoice can’t be issued yet.');
    expect(within(alert).getByRole('link', { name: 'Go to the customer Acme Ltd' })).toBeInTheDocument();
    const rate = screen.getByRole('textbox', { name: 'Tax rate, line 2' });
    expect(rate).toHaveAccessibleDescription('BR-S-05: a standard-rated line (S) needs a tax rate above 0.');
    await user.type(rate, '5');
    expect(rate).not.toHaveAccessibleDescription(/BR-S-05/);
  });
});
