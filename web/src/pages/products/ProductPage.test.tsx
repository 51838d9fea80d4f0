import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';

import { fakeSession, jsonResponse, mockFetch, renderWithProviders } from '../../test/utils';
import { product } from './fixtures';
import NewProductPage from './NewProductPage';
import ProductPage from './ProductPage';

const reader = fakeSession({ permissions: ['products:read'] });
const writer = fakeSession({ permissions: ['products:read', 'products:write'] });
const route = '/products/:id';
const notFound = () => jsonResponse({ type: '/problems/not-found', title: 'Not found', status: 404, detail: '' }, 404);

afterEach(() => vi.unstubAllGlobals());

describe('ProductPage', () => {
  it('shows the product without write actions to readers', async () => {
    mockFetch(() => jsonResponse(product(), 200, { ETag: '"1"' }));
    renderWithProviders(<ProductPage />, { session: reader, path: '/products/p1', route });
    expect(await screen.findByRole('heading', { level: 1, name: 'Widget' })).toBeInTheDocument();
    expect(screen.getByText('€12.50 per unit')).toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Archive product' })).not.toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Save changes' })).not.toBeInTheDocument();
  });

  it('checks price and tax rate in the locale’s way and sends minor units', async () => {
    let body: unknown;
    mockFetch(async (req) => {
      if (req.method === 'PATCH') {
        body = await req.json();
        return jsonResponse(product({ unit_price: { amount: 1999, currency: 'EUR' }, tax_rate: '7.5', version: 2 }), 200, { ETag: '"2"' });
      }
      return jsonResponse(product(), 200, { ETag: '"1"' });
    });
    renderWithProviders(<ProductPage />, { session: writer, path: '/products/p1', route });
    const price = await screen.findByRole('textbox', { name: /unit price/i });
    expect(price).toHaveValue('12.50');
    await userEvent.clear(price);
    await userEvent.type(price, '12.505');
    const tax = screen.getByRole('textbox', { name: /tax rate/i });
    await userEvent.clear(tax);
    await userEvent.type(tax, '120');
    await userEvent.click(screen.getByRole('button', { name: 'Save changes' }));
    expect(price).toHaveAccessibleDescription(/Enter an amount, for example 12.50/);
    expect(tax).toHaveAccessibleDescription(/from 0 to 100/);
    expect(body).toBeUndefined();
    await userEvent.clear(price);
    await userEvent.type(price, '19.99');
    await userEvent.clear(tax);
    await userEvent.type(tax, '7.5');
    await userEvent.click(screen.getByRole('button', { name: 'Save changes' }));
    expect(await screen.findByRole('status')).toHaveTextContent('Your changes are saved.');
    expect(body).toMatchObject({ unit_price: { amount: 1999, currency: 'EUR' }, tax_rate: '7.5', sku: 'WID-1' });
  });

  it('reads prices with the locale’s decimal comma (de-DE)', async () => {
    vi.spyOn(navigator, 'language', 'get').mockReturnValue('de-DE');
    let body: unknown;
    mockFetch(async (req) => {
      if (req.method === 'PATCH') {
        body = await req.json();
        return jsonResponse(product({ unit_price: { amount: 1999, currency: 'EUR' }, version: 2 }), 200, { ETag: '"2"' });
      }
      return jsonResponse(product({ tax_rate: '7.5' }), 200, { ETag: '"1"' });
    });
    renderWithProviders(<ProductPage />, { session: writer, path: '/products/p1', route });
    const price = await screen.findByRole('textbox', { name: /unit price/i });
    expect(price).toHaveValue('12,50');
    expect(screen.getByRole('textbox', { name: /tax rate/i })).toHaveValue('7,5');
    await userEvent.clear(price);
    await userEvent.type(price, '19,99');
    await userEvent.click(screen.getByRole('button', { name: 'Save changes' }));
    await waitFor(() => expect(body).toMatchObject({ unit_price: { amount: 1999, currency: 'EUR' }, tax_rate: '7.5' }));
    vi.restoreAllMocks();
  });

  it('lists what changed on a 412 and keeps the input', async () => {
    let gets = 0;
    mockFetch((req) => {
      if (req.method === 'PATCH') return jsonResponse({ type: '/problems/precondition-failed', title: 'Stale', status: 412, detail: '' }, 412);
      gets += 1;
      return gets === 1
        ? jsonResponse(product(), 200, { ETag: '"1"' })
        : jsonResponse(product({ unit_price: { amount: 1500, currency: 'EUR' }, active: false, version: 3 }), 200, { ETag: '"3"' });
    });
    renderWithProviders(<ProductPage />, { session: writer, path: '/products/p1', route });
    const name = await screen.findByRole('textbox', { name: /^name/i });
    await userEvent.type(name, ' Pro');
    await userEvent.click(screen.getByRole('button', { name: 'Save changes' }));
    const alert = await screen.findByRole('alert', { name: /someone else saved this product/i });
    const items = await within(alert).findAllByRole('listitem');
    expect(items.map((li) => li.textContent)).toEqual(['Unit price: €12.50 → €15.00', 'Status: Active → Archived']);
    expect(name).toHaveValue('Widget Pro');
  });

  it('shows a taken SKU at the SKU field', async () => {
    mockFetch((req) =>
      req.method === 'PATCH'
        ? jsonResponse({ type: '/problems/sku-taken', title: 'Conflict', status: 409, detail: 'Another product already uses this SKU.' }, 409)
        : jsonResponse(product(), 200, { ETag: '"1"' }),
    );
    renderWithProviders(<ProductPage />, { session: writer, path: '/products/p1', route });
    const sku = await screen.findByRole('textbox', { name: /^sku/i });
    await userEvent.clear(sku);
    await userEvent.type(sku, 'TAKEN-1');
    await userEvent.click(screen.getByRole('button', { name: 'Save changes' }));
    await waitFor(() => expect(sku).toHaveAccessibleDescription(/Another product already uses this SKU/));
    await waitFor(() => expect(sku).toHaveFocus());
  });

  it('restores an archived product with If-Match', async () => {
    let restored: Request | undefined;
    mockFetch(async (req) => {
      if (req.method === 'PATCH') {
        restored = req.clone();
        return jsonResponse(product({ version: 3 }), 200, { ETag: '"3"' });
      }
      return restored ? jsonResponse(product({ version: 3 }), 200, { ETag: '"3"' }) : jsonResponse(product({ active: false, version: 2 }), 200, { ETag: '"2"' });
    });
    renderWithProviders(<ProductPage />, { session: writer, path: '/products/p1', route });
    await userEvent.click(await screen.findByRole('button', { name: 'Restore product' }));
    expect(await screen.findByRole('status')).toHaveTextContent('Widget is active again.');
    expect(restored?.headers.get('If-Match')).toBe('"2"');
    expect(await restored?.json()).toEqual({ active: true });
    expect(screen.getByRole('button', { name: 'Archive product' })).toBeInTheDocument();
  });
});

describe('NewProductPage', () => {
  it('shows the server’s field errors next to their fields', async () => {
    mockFetch((req) =>
      req.method === 'POST'
        ? jsonResponse({
            type: '/problems/validation', title: 'Invalid input', status: 422, detail: '',
            errors: [{ field: 'unit_price.currency', message: 'must be an ISO 4217 currency code' }],
          }, 422)
        : notFound(),
    );
    renderWithProviders(<NewProductPage />, { session: writer, path: '/products/new' });
    await userEvent.click(screen.getByRole('button', { name: 'Add product' }));
    expect(screen.getByRole('textbox', { name: /^sku/i })).toHaveAccessibleDescription(/Enter the SKU\./);
    await userEvent.type(screen.getByRole('textbox', { name: /^sku/i }), 'NEW-1');
    await userEvent.type(screen.getByRole('textbox', { name: /^name/i }), 'Gadget');
    await userEvent.type(screen.getByRole('textbox', { name: /unit price/i }), '5');
    await userEvent.type(screen.getByRole('textbox', { name: /^currency/i }), 'XXX');
    await userEvent.click(screen.getByRole('button', { name: 'Add product' }));
    expect(await screen.findByText('Some fields need your attention.')).toBeInTheDocument();
    expect(screen.getByRole('textbox', { name: /^currency/i })).toHaveAccessibleDescription(/Currency must be an ISO 4217 currency code\./);
  });
});
