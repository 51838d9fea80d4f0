import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';

import { fakeSession, jsonResponse, mockFetch, renderWithProviders } from '../../test/utils';
import CustomerPage from './CustomerPage';
import { customer } from './fixtures';
import NewCustomerPage from './NewCustomerPage';

const reader = fakeSession({ permissions: ['customers:read'] });
const writer = fakeSession({ permissions: ['customers:read', 'customers:write'] });
const route = '/customers/:id';

afterEach(() => vi.unstubAllGlobals());

describe('CustomerPage', () => {
  it('shows the record without edit or archive to readers', async () => {
    mockFetch((req) => (req.method === 'GET' ? jsonResponse(customer(), 200, { ETag: '"1"' }) : undefined));
    renderWithProviders(<CustomerPage />, { session: reader, path: '/customers/c1', route });
    expect(await screen.findByRole('heading', { level: 1, name: 'Acme GmbH' })).toBeInTheDocument();
    expect(screen.getByText('billing@acme.example')).toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Archive customer' })).not.toBeInTheDocument();
    expect(screen.queryByRole('heading', { name: 'Edit customer' })).not.toBeInTheDocument();
    expect(screen.queryByRole('textbox', { name: /name/i })).not.toBeInTheDocument();
  });

  it('checks the form before sending', async () => {
    const fetch = mockFetch((req) => (req.method === 'GET' ? jsonResponse(customer(), 200, { ETag: '"1"' }) : undefined));
    renderWithProviders(<CustomerPage />, { session: writer, path: '/customers/c1', route });
    const name = await screen.findByRole('textbox', { name: /^name/i });
    await userEvent.clear(name);
    const email = screen.getByRole('textbox', { name: 'Email' });
    await userEvent.clear(email);
    await userEvent.type(email, 'not-an-email');
    const terms = screen.getByRole('textbox', { name: /payment terms/i });
    await userEvent.clear(terms);
    await userEvent.type(terms, '400');
    await userEvent.click(screen.getByRole('button', { name: 'Save changes' }));
    expect(name).toHaveAccessibleDescription('Enter the customer’s name.');
    expect(name).toHaveAttribute('aria-invalid', 'true');
    expect(email).toHaveAccessibleDescription('Enter an email address like name@example.com.');
    expect(terms).toHaveAccessibleDescription(/0 to 365/);
    await waitFor(() => expect(name).toHaveFocus());
    expect(fetch.mock.calls.some(([r]) => (r as Request).method === 'PATCH')).toBe(false);
  });

  it('shows the server’s field errors next to their fields, including address parts', async () => {
    mockFetch((req) =>
      req.method === 'PATCH'
        ? jsonResponse({
            type: '/problems/validation', title: 'Invalid input', status: 422, detail: 'Some fields are invalid.',
            errors: [{ field: 'currency', message: 'must be an ISO 4217 currency code' }, { field: 'billing_address.city', message: 'must be at most 100 characters' }],
          }, 422)
        : jsonResponse(customer({ billing_address: { line1: 'Main St 1', city: 'Berlin', postal_code: '10115', country: 'DE' } }), 200, { ETag: '"1"' }),
    );
    renderWithProviders(<CustomerPage />, { session: writer, path: '/customers/c1', route });
    const currency = await screen.findByRole('textbox', { name: /^currency/i });
    await userEvent.clear(currency);
    await userEvent.type(currency, 'XYZ');
    await userEvent.click(screen.getByRole('button', { name: 'Save changes' }));
    expect(await screen.findByText('Some fields need your attention.')).toBeInTheDocument();
    expect(currency).toHaveAccessibleDescription(/Currency must be an ISO 4217 currency code\./);
    expect(screen.getByRole('textbox', { name: 'City' })).toHaveAccessibleDescription('Billing city must be at most 100 characters.');
  });

  it('sends If-Match and, on a 412, lists what the other person changed and keeps the input until reload', async () => {
    let patched: Request | undefined;
    let gets = 0;
    mockFetch((req) => {
      if (req.method === 'PATCH') {
        patched = req;
        return jsonResponse({ type: '/problems/precondition-failed', title: 'Stale', status: 412, detail: 'changed' }, 412);
      }
      gets += 1;
      return gets === 1
        ? jsonResponse(customer(), 200, { ETag: '"1"' })
        : jsonResponse(customer({ version: 2, email: 'ap@acme.example', payment_terms_days: 14 }), 200, { ETag: '"2"' });
    });
    renderWithProviders(<CustomerPage />, { session: writer, path: '/customers/c1', route });
    const name = await screen.findByRole('textbox', { name: /^name/i });
    await userEvent.clear(name);
    await userEvent.type(name, 'Acme Europe GmbH');
    await userEvent.click(screen.getByRole('button', { name: 'Save changes' }));

    const alert = await screen.findByRole('alert', { name: /someone else saved this customer/i });
    await waitFor(() => expect(alert).toHaveFocus());
    expect(patched?.headers.get('If-Match')).toBe('"1"');
    const changes = await within(alert).findByRole('list');
    expect(within(changes).getAllByRole('listitem').map((li) => li.textContent)).toEqual([
      'Email: billing@acme.example → ap@acme.example',
      'Payment terms: 30 days → 14 days',
    ]);
    // The user's input is still there.
    expect(name).toHaveValue('Acme Europe GmbH');
    await userEvent.click(within(alert).getByRole('button', { name: 'Reload the latest version' }));
    expect(screen.queryByRole('alert')).not.toBeInTheDocument();
    expect(name).toHaveValue('Acme GmbH');
    expect(screen.getByRole('textbox', { name: 'Email' })).toHaveValue('ap@acme.example');
    expect(screen.getByRole('status')).toHaveTextContent(/latest version is loaded/i);
  });

  it('archives after a confirmation', async () => {
    let archived: Request | undefined;
    mockFetch((req) => {
      if (req.method === 'DELETE') {
        archived = req;
        return new Response(null, { status: 204 });
      }
      return archived
        ? jsonResponse(customer({ status: 'archived', version: 2 }), 200, { ETag: '"2"' })
        : jsonResponse(customer(), 200, { ETag: '"1"' });
    });
    renderWithProviders(<CustomerPage />, { session: writer, path: '/customers/c1', route });
    await userEvent.click(await screen.findByRole('button', { name: 'Archive customer' }));
    const confirm = screen.getByRole('group', { name: /archive acme gmbh\?/i });
    await waitFor(() => expect(confirm).toHaveFocus());
    await userEvent.click(within(confirm).getByRole('button', { name: 'Yes, archive' }));
    expect(await screen.findByRole('status')).toHaveTextContent('Acme GmbH is archived.');
    expect(archived?.headers.get('If-Match')).toBe('"1"');
    expect(await screen.findByText('Archived', { selector: '.badge' })).toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Archive customer' })).not.toBeInTheDocument();
  });
});

describe('CustomerPage e-invoicing', () => {
  const einvoiced = () =>
    customer({
      legal_registration_id: 'HRB 999', electronic_address: { scheme: '0204', id: '991-12345-67' }, buyer_reference: '991-12345-67',
      ubl_by_email: true,
    });

  it('shows the e-invoicing data, edits it, and clears it with null', async () => {
    let body: Record<string, unknown> = {};
    mockFetch(async (req) => {
      if (req.method === 'PATCH') {
        body = (await req.json()) as Record<string, unknown>;
        return jsonResponse(customer({ version: 2 }), 200, { ETag: '"2"' });
      }
      return jsonResponse(einvoiced(), 200, { ETag: '"1"' });
    });
    renderWithProviders(<CustomerPage />, { session: writer, path: '/customers/c1', route });
    const details = within(await screen.findByRole('region', { name: 'Details' }));
    expect(details.getByText('0204: 991-12345-67')).toBeInTheDocument();
    expect(details.getByText('HRB 999')).toBeInTheDocument();
    expect(details.getByText('PDF and UBL e-invoice')).toBeInTheDocument();
    const form = within(screen.getByRole('group', { name: 'E-invoicing' }));
    expect(form.getByRole('textbox', { name: 'Company registration number' })).toHaveValue('HRB 999');
    expect(form.getByRole('textbox', { name: 'Buyer reference' })).toHaveValue('991-12345-67');
    const attach = form.getByRole('checkbox', { name: 'Send the UBL e-invoice with each invoice' });
    expect(attach).toBeChecked();
    await userEvent.clear(form.getByRole('textbox', { name: 'Electronic address id' }));
    await userEvent.click(screen.getByRole('button', { name: 'Save changes' }));
    // A scheme without an id is refused before sending.
    expect(form.getByRole('textbox', { name: 'Electronic address id' })).toHaveAccessibleDescription(/id in that scheme/);
    await userEvent.clear(form.getByRole('combobox', { name: 'Electronic address scheme' }));
    await userEvent.clear(form.getByRole('textbox', { name: 'Company registration number' }));
    await userEvent.clear(form.getByRole('textbox', { name: 'Buyer reference' }));
    await userEvent.click(attach);
    await userEvent.click(screen.getByRole('button', { name: 'Save changes' }));
    expect(await screen.findByRole('status')).toHaveTextContent('Your changes are saved.');
    expect(body).toMatchObject({ legal_registration_id: null, electronic_address: null, buyer_reference: null, ubl_by_email: false });
  });

  it('creates a customer with its e-invoicing data', async () => {
    let body: unknown;
    mockFetch(async (req) => {
      if (req.method !== 'POST') return undefined;
      body = await req.json();
      return jsonResponse(customer({ id: 'c8' }), 201, { ETag: '"1"' });
    });
    const { router } = renderWithProviders(<NewCustomerPage />, { session: writer, path: '/customers/new' });
    await userEvent.type(screen.getByRole('textbox', { name: /^name/i }), 'Stadt Musterhausen');
    await userEvent.type(screen.getByRole('combobox', { name: 'Electronic address scheme' }), '0204');
    await userEvent.type(screen.getByRole('textbox', { name: 'Electronic address id' }), '991-33333-44');
    await userEvent.type(screen.getByRole('textbox', { name: 'Buyer reference' }), '991-33333-44');
    await userEvent.click(screen.getByRole('checkbox', { name: 'Send the UBL e-invoice with each invoice' }));
    await userEvent.click(screen.getByRole('button', { name: 'Create customer' }));
    await waitFor(() => expect(router.state.location.pathname).toBe('/customers/c8'));
    expect(body).toEqual({
      name: 'Stadt Musterhausen', email: null, phone: null, tax_id: null, notes: null, billing_address: null,
      electronic_address: { scheme: '0204', id: '991-33333-44' }, buyer_reference: '991-33333-44', ubl_by_email: true,
    });
  });

  it('focuses the field a link names (#billing_address.line1)', async () => {
    mockFetch((req) => (req.method === 'GET' ? jsonResponse(customer(), 200, { ETag: '"1"' }) : undefined));
    renderWithProviders(<CustomerPage />, { session: writer, path: '/customers/c1#billing_address.line1', route });
    const line1 = await screen.findByRole('textbox', { name: 'Address line 1' });
    await waitFor(() => expect(line1).toHaveFocus());
  });
});

describe('NewCustomerPage', () => {
  it('requires a name and creates the customer with only the filled fields', async () => {
    let body: unknown;
    mockFetch(async (req) => {
      if (req.method !== 'POST') return jsonResponse({ type: '/problems/not-found', title: 'Not found', status: 404, detail: '' }, 404);
      body = await req.json();
      return jsonResponse(customer({ id: 'c7', name: 'Beta AG' }), 201, { ETag: '"1"' });
    });
    const { router } = renderWithProviders(<NewCustomerPage />, { session: writer, path: '/customers/new' });
    await userEvent.click(screen.getByRole('button', { name: 'Create customer' }));
    const name = screen.getByRole('textbox', { name: /^name/i });
    expect(name).toHaveAccessibleDescription('Enter the customer’s name.');
    await userEvent.type(screen.getByRole('textbox', { name: 'City' }), 'Berlin');
    await userEvent.click(screen.getByRole('button', { name: 'Create customer' }));
    expect(screen.getByRole('textbox', { name: 'Address line 1' })).toHaveAccessibleDescription('Enter the first address line.');
    await userEvent.clear(screen.getByRole('textbox', { name: 'City' }));
    await userEvent.type(name, 'Beta AG');
    await userEvent.click(screen.getByRole('button', { name: 'Create customer' }));
    await waitFor(() => expect(router.state.location.pathname).toBe('/customers/c7'));
    expect(body).toEqual({ name: 'Beta AG', email: null, phone: null, tax_id: null, notes: null, billing_address: null });
  });
});
