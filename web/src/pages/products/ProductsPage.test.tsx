import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';

import { fakeSession, jsonResponse, mockFetch, renderWithProviders } from '../../test/utils';
import { product } from './fixtures';
import ProductsPage from './ProductsPage';

const reader = fakeSession({ permissions: ['products:read'] });
const writer = fakeSession({ permissions: ['products:read', 'products:write'] });

afterEach(() => vi.unstubAllGlobals());

describe('ProductsPage', () => {
  it('lists products with formatted prices and tax rates', async () => {
    mockFetch(() => jsonResponse({ items: [product()], next_cursor: null }));
    renderWithProviders(<ProductsPage />, { session: reader, path: '/products' });
    const table = await screen.findByRole('table', { name: /products, page 1/i });
    const row = within(table).getByRole('row', { name: /widget/i });
    expect(within(row).getByRole('cell', { name: 'WID-1' })).toBeInTheDocument();
    expect(within(row).getByRole('cell', { name: '€12.50' })).toBeInTheDocument();
    expect(within(row).getByRole('cell', { name: '20%' })).toBeInTheDocument();
    expect(screen.queryByRole('link', { name: 'New product' })).not.toBeInTheDocument();
  });

  it('tells an empty catalogue from a search without results', async () => {
    mockFetch(() => jsonResponse({ items: [], next_cursor: null }));
    const { router } = renderWithProviders(<ProductsPage />, { session: writer, path: '/products' });
    expect(await screen.findByText(/there are no products yet/i)).toBeInTheDocument();
    expect(screen.getByRole('link', { name: 'New product' })).toBeInTheDocument();
    await userEvent.type(screen.getByRole('searchbox', { name: 'Search' }), 'gadg');
    await waitFor(() => expect(router.state.location.search).toBe('?q=gadg'));
    expect(await screen.findByText(/no product matches “gadg”/i)).toBeInTheDocument();
  });
});
