import { screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';

import { fakeSession, jsonResponse, mockFetch, renderWithProviders } from '../../test/utils';
import { ordersCsv, csvField } from './csv';
import { order } from './fixtures';
import OrdersPage, { fetchAllOrders } from './OrdersPage';

describe('orders CSV', () => {
  it('quotes fields and writes amounts in the currency’s decimals', () => {
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('=SUM(A1)')).toBe("'=SUM(A1)");
    const text = ordersCsv([order({ customer_name: 'Acme, "Ltd"' }), order({ id: 'o2', currency: 'JPY', totals: { subtotal: 3000, discount: 0, tax: 300, total: 3300 } })]);
    const rows = text.split('\r\n');
    expect(rows[0]).toBe('Created,Customer,Status,Currency,Lines,Subtotal,Discount,Tax,Total,Invoice ID,Order ID');
    expect(rows[1]).toBe('2026-03-01T10:00:00Z,"Acme, ""Ltd""",Draft,EUR,1,59.97,0.00,11.99,71.96,,o1');
    expect(rows[2]).toContain(',JPY,1,3000,0,300,3300,,o2');
  });

  it('fetches every page with the same filters', async () => {
    const seen: string[] = [];
    mockFetch((req) => {
      const url = new URL(req.url);
      if (url.pathname !== '/api/v1/orders') return undefined;
      seen.push(url.search);
      return url.searchParams.get('cursor')
        ? jsonResponse({ items: [order({ id: 'o2' })], next_cursor: null })
        : jsonResponse({ items: [order()], next_cursor: 'c2' });
    });
    const all = await fetchAllOrders({ status: 'confirmed', customer_id: 'c1' });
    expect(all.map((o) => o.id)).toEqual(['o1', 'o2']);
    expect(seen).toEqual(['?status=confirmed&customer_id=c1&limit=100', '?status=confirmed&customer_id=c1&limit=100&cursor=c2']);
  });
});

describe('OrdersPage', () => {
  it('sends the URL’s filters, shows totals per row and pages on', async () => {
    const queries: string[] = [];
    mockFetch((req) => {
      const url = new URL(req.url);
      if (url.pathname !== '/api/v1/orders') return undefined;
      queries.push(url.search);
      return url.searchParams.get('cursor')
        ? jsonResponse({ items: [order({ id: 'o2', customer_name: 'Second Co' })], next_cursor: null })
        : jsonResponse({ items: [order({ status: 'confirmed' })], next_cursor: 'next1' });
    });
    const user = userEvent.setup();
    renderWithProviders(<OrdersPage />, {
      session: fakeSession({ permissions: ['orders:read'] }),
      path: '/orders?status=confirmed&customer=c1&customer_name=Acme%20Ltd&from=2026-03-01',
    });
    expect(await screen.findByRole('link', { name: 'Acme Ltd' })).toBeInTheDocument();
    expect(queries[0]).toBe('?sort=-date&status=confirmed&customer_id=c1&from=2026-03-01&limit=25');
    expect(screen.getByRole('row', { name: /Acme Ltd Confirmed .* 1 €71\.96/ })).toBeInTheDocument();
    expect(screen.getByRole('combobox', { name: /Customer/ })).toHaveValue('Acme Ltd');
    expect(screen.queryByRole('link', { name: 'New order' })).not.toBeInTheDocument();
    await user.click(screen.getByRole('button', { name: 'Next page' }));
    expect(await screen.findByRole('link', { name: 'Second Co' })).toBeInTheDocument();
    expect(queries.at(-1)).toContain('cursor=next1');
  });

  it('exports the filtered orders as a CSV download', async () => {
    mockFetch((req) => (new URL(req.url).pathname === '/api/v1/orders' ? jsonResponse({ items: [order()], next_cursor: null }) : undefined));
    const create = vi.fn(() => 'blob:x');
    vi.stubGlobal('URL', Object.assign(URL, { createObjectURL: create, revokeObjectURL: vi.fn() }));
    const click = vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(() => {});
    const user = userEvent.setup();
    renderWithProviders(<OrdersPage />, { session: fakeSession({ permissions: ['orders:read'] }), path: '/orders?status=draft' });
    await screen.findByRole('link', { name: 'Acme Ltd' });
    await user.click(screen.getByRole('button', { name: 'Export CSV' }));
    expect(await screen.findByText('1 order exported.')).toBeInTheDocument();
    expect(create).toHaveBeenCalledOnce();
    expect(click).toHaveBeenCalledOnce();
    click.mockRestore();
  });
});
