import { screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';

import type { Permission } from '../../api/types';
import { fakeSession, jsonResponse, mockFetch, renderWithProviders } from '../../test/utils';
import { order } from './fixtures';
import { OrderActions } from './OrderActions';
import OrderPage from './OrderPage';
import type { OrderStatus } from './orders';

const names = () => screen.queryAllByRole('button').map((b) => b.textContent);

describe('order actions', () => {
  const cases: [OrderStatus, Permission[], string[]][] = [
    ['draft', ['orders:write', 'invoices:write'], ['Confirm order', 'Cancel order']],
    ['confirmed', ['orders:write', 'invoices:write'], ['Make the invoice', 'Cancel order']],
    ['confirmed', ['invoices:write'], ['Make the invoice']],
    ['confirmed', ['orders:write'], ['Cancel order']],
    ['invoiced', ['orders:write', 'invoices:write'], []],
    ['cancelled', ['orders:write', 'invoices:write'], []],
    ['draft', ['orders:read'], []],
  ];
  it.each(cases)('%s with %j shows %j', (status, permissions, expected) => {
    renderWithProviders(<OrderActions order={order({ status })} dirty={false} onDone={() => {}} />, {
      session: fakeSession({ permissions }),
      path: '/orders/o1',
    });
    expect(names()).toEqual(expected);
  });

  it('asks to save before confirming a changed draft', () => {
    renderWithProviders(<OrderActions order={order()} dirty onDone={() => {}} />, { session: fakeSession({ permissions: ['orders:write'] }), path: '/orders/o1' });
    expect(screen.getByText('Save your changes before confirming.')).toBeInTheDocument();
    expect(names()).toEqual(['Cancel order']);
  });
});

describe('OrderPage', () => {
  it('confirms a draft and shows its new status', async () => {
    let status = 'draft';
    mockFetch((req) => {
      const path = new URL(req.url).pathname;
      if (path === '/api/v1/orders/o1' && req.method === 'GET') return jsonResponse(order({ status: status as OrderStatus }), 200, { ETag: '"1"' });
      if (path === '/api/v1/orders/o1/confirm' && req.method === 'POST') {
        status = 'confirmed';
        return jsonResponse(order({ status: 'confirmed', version: 2 }), 200, { ETag: '"2"' });
      }
      return undefined;
    });
    const user = userEvent.setup();
    renderWithProviders(<OrderPage />, { session: fakeSession({ permissions: ['orders:read', 'orders:write', 'invoices:write'] }), path: '/orders/o1', route: '/orders/:id' });
    expect(await screen.findByRole('heading', { level: 1, name: /Order for Acme Ltd/ })).toHaveTextContent('Draft');
    expect(screen.getByRole('textbox', { name: 'Quantity, line 1' })).toHaveValue('3');
    await user.click(screen.getByRole('button', { name: 'Confirm order' }));
    expect(await screen.findByRole('status')).toHaveTextContent('The order is confirmed.');
    expect(screen.getByRole('heading', { level: 1 })).toHaveTextContent('Confirmed');
    expect(screen.queryByRole('textbox', { name: 'Quantity, line 1' })).not.toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Make the invoice' })).toBeInTheDocument();
  });

  it('saves edited lines with If-Match and shows the server’s line errors on the line', async () => {
    const seen: { ifMatch: string | null; body: unknown }[] = [];
    mockFetch(async (req) => {
      const path = new URL(req.url).pathname;
      if (path === '/api/v1/orders/o1' && req.method === 'GET') return jsonResponse(order(), 200, { ETag: '"1"' });
      if (path === '/api/v1/orders/o1' && req.method === 'PATCH') {
        seen.push({ ifMatch: req.headers.get('If-Match'), body: await req.json() });
        return jsonResponse({ type: '/problems/validation', title: 'Invalid', status: 422, detail: 'x', errors: [{ field: 'lines[0].quantity', message: 'quantity must be greater than 0 and at most 1000000, with at most 4 decimals' }] }, 422);
      }
      return undefined;
    });
    const user = userEvent.setup();
    renderWithProviders(<OrderPage />, { session: fakeSession({ permissions: ['orders:read', 'orders:write'] }), path: '/orders/o1', route: '/orders/:id' });
    const q = await screen.findByRole('textbox', { name: 'Quantity, line 1' });
    await user.clear(q);
    await user.type(q, '4');
    expect(screen.getByText('You have unsaved changes.')).toBeInTheDocument();
    await user.click(screen.getByRole('button', { name: 'Save changes' }));
    expect(await screen.findByText('Quantity must be greater than 0 and at most 1000000, with at most 4 decimals.')).toBeInTheDocument();
    expect(seen[0]?.ifMatch).toBe('"1"');
    expect(seen[0]?.body).toMatchObject({ lines: [{ description: 'Consulting', quantity: '4', unit_price: 1999, tax_rate: '20' }] });
  });

  it('shows a viewer the lines and no actions', async () => {
    mockFetch((req) => (new URL(req.url).pathname === '/api/v1/orders/o1' ? jsonResponse(order({ status: 'confirmed' }), 200, { ETag: '"1"' }) : undefined));
    renderWithProviders(<OrderPage />, { session: fakeSession({ permissions: ['orders:read'] }), path: '/orders/o1', route: '/orders/:id' });
    expect(await screen.findByRole('cell', { name: 'Consulting' })).toBeInTheDocument();
    expect(screen.queryAllByRole('button')).toHaveLength(0);
    expect(screen.queryByRole('textbox')).not.toBeInTheDocument();
  });
});
