import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';

import type { Schema } from '../../api/types';
import { fakeSession, jsonResponse, mockFetch, renderWithProviders } from '../../test/utils';
import DashboardPage from './DashboardPage';

// The chart (uPlot on a canvas) does not draw in jsdom: a stand-in lists the points it was given.
vi.mock('./TrendChart', () => ({
  default: ({ points, label }: { points: Schema<'Point'>[]; label: string }) => (
    <ul aria-label={`Chart: ${label}`}>
      {points.map((p) => (
        <li key={p.period}>{`${p.period}=${p.value}`}</li>
      ))}
    </ul>
  ),
}));

const summary: Schema<'Summary'> = {
  currency: 'EUR',
  current: { from: '2026-11-01', to: '2026-11-18', revenue_invoiced: 125000, cash_received: 30000, orders_created: 4, invoices_issued: 3, average_days_to_pay: 12.5 },
  previous: { from: '2026-10-14', to: '2026-10-31', revenue_invoiced: 100000, cash_received: 40000, orders_created: 4, invoices_issued: 2, average_days_to_pay: null },
  outstanding_receivables: 95000,
  overdue_receivables: 12000,
};

const trends: Record<string, Schema<'Point'>[]> = {
  revenue: [
    { period: '2026-10-26', value: 0 },
    { period: '2026-11-02', value: 100000 },
    { period: '2026-11-09', value: 25000 },
    { period: '2026-11-16', value: 0 },
  ],
  cash: [
    { period: '2026-10-26', value: 0 },
    { period: '2026-11-02', value: 0 },
    { period: '2026-11-09', value: 30000 },
    { period: '2026-11-16', value: 0 },
  ],
  orders: [
    { period: '2026-10-26', value: 0 },
    { period: '2026-11-02', value: 0 },
    { period: '2026-11-09', value: 0 },
    { period: '2026-11-16', value: 0 },
  ],
};

const activity: Schema<'Activity'>[] = [
  { at: '2026-11-18T09:30:00Z', text: 'Ben recorded a payment', action: 'payment.recorded', actor_id: 'u2', entity_type: 'payment', entity_id: 'p1' },
  { at: '2026-11-18T09:00:00Z', text: 'Ana issued invoice INV-2026-000042 to Acme Ltd', action: 'invoice.issued', actor_id: 'u1', entity_type: 'invoice', entity_id: 'inv1' },
  { at: '2026-11-17T15:00:00Z', text: 'Ana created customer Acme Ltd', action: 'customer.created', actor_id: 'u1', entity_type: 'customer', entity_id: 'c1' },
];

function serve(overrides: Partial<Record<string, Response>> = {}) {
  return mockFetch((req) => {
    const url = new URL(req.url);
    const p = url.pathname;
    if (overrides[p]) return overrides[p];
    if (p === '/api/v1/dashboard/summary') return jsonResponse(summary);
    if (p === '/api/v1/dashboard/trends') {
      const metric = url.searchParams.get('metric') ?? 'revenue';
      return jsonResponse({ metric, interval: url.searchParams.get('interval'), currency: 'EUR', points: trends[metric] });
    }
    if (p === '/api/v1/dashboard/top-customers')
      return jsonResponse({ items: [{ customer_id: 'c1', name: 'Acme Ltd', revenue: 125000, invoices: 3 }], next_cursor: null });
    if (p === '/api/v1/dashboard/top-products') return jsonResponse({ items: [], next_cursor: null });
    if (p === '/api/v1/dashboard/activity') return jsonResponse({ items: activity, next_cursor: null });
    return undefined;
  });
}

const path = '/dashboard?period=custom&from=2026-11-01&to=2026-11-18&interval=week';

describe('DashboardPage', () => {
  it('keeps the six key figures\u2019 cards in place while they load, announced as loading', async () => {
    let answer: (r: Response) => void = () => undefined;
    const summaryAnswer = new Promise<Response>((resolve) => (answer = resolve));
    // Only the key figures answer (later); the other panels' requests do not matter here.
    mockFetch((req) => (new URL(req.url).pathname === '/api/v1/dashboard/summary' ? summaryAnswer : undefined));
    renderWithProviders(<DashboardPage />, { session: fakeSession({ permissions: ['dashboard:read'] }), path });
    const loading = (await screen.findByText('Loading the key figures…')).closest('[role="status"]');
    expect(loading).not.toBeNull();
    const titles = [...(loading as HTMLElement).querySelectorAll('li.card')].map((c) => c.querySelector('p')?.textContent);
    expect(titles).toEqual(['Revenue invoiced', 'Cash received', 'Outstanding', 'Overdue', 'Orders', 'Average days to pay']);

    answer(jsonResponse(summary));
    expect(await screen.findByRole('link', { name: 'Revenue invoiced: €1,250.00' })).toBeInTheDocument();
    expect(screen.queryByText('Loading the key figures…')).not.toBeInTheDocument();
  });

  it('shows the key figures with their change, each linking to its list', async () => {
    const fetch = serve();
    renderWithProviders(<DashboardPage />, { session: fakeSession({ permissions: ['dashboard:read'] }), path });
    const revenue = await screen.findByRole('link', { name: 'Revenue invoiced: €1,250.00' });
    expect(revenue).toHaveAttribute('href', '/invoices?from=2026-11-01&to=2026-11-18');
    const kpis = within(screen.getByRole('region', { name: 'Key figures' }));
    const card = (title: string) => within(kpis.getByRole('heading', { level: 3, name: title }).closest('li') as HTMLElement);
    expect(card('Revenue invoiced').getByText('Up 25% on the previous period')).toBeInTheDocument();
    expect(card('Revenue invoiced').getByText('3 invoices issued')).toBeInTheDocument();
    expect(card('Cash received').getByText('Down 25% on the previous period')).toBeInTheDocument();
    expect(screen.getByRole('link', { name: 'Cash received: €300.00' })).toHaveAttribute('href', '/payments?from=2026-11-01&to=2026-11-18');
    expect(card('Orders').getByText('No change from the previous period')).toBeInTheDocument();
    expect(screen.getByRole('link', { name: 'Orders: 4' })).toHaveAttribute('href', '/orders?from=2026-11-01&to=2026-11-18');
    expect(screen.getByRole('link', { name: 'Overdue: €120.00' })).toHaveAttribute('href', '/invoices?status=overdue');
    expect(screen.getByRole('link', { name: 'Outstanding: €950.00' })).toHaveAttribute('href', '/invoices?status=issued');
    expect(screen.getByRole('link', { name: 'Average days to pay: 12.5 days' })).toBeInTheDocument();
    expect(card('Average days to pay').getByText('No figure to compare with for the previous period')).toBeInTheDocument();
    expect(screen.getByText(/compared with Oct 14, 2026 – Oct 31, 2026/)).toBeInTheDocument();
    const asked = new URL((fetch.mock.calls.find(([r]) => (r as Request).url.includes('/summary'))?.[0] as Request).url);
    expect(Object.fromEntries(asked.searchParams)).toEqual({ from: '2026-11-01', to: '2026-11-18', currency: 'EUR' });
  });

  it('shows a trend as a table with the same figures as the chart', async () => {
    const fetch = serve();
    renderWithProviders(<DashboardPage />, { session: fakeSession({ permissions: ['dashboard:read'] }), path });
    const panel = within(await screen.findByRole('region', { name: 'Revenue invoiced' }));
    const chart = await panel.findByRole('list', { name: /Chart: Revenue invoiced by week/ });
    const charted = within(chart).getAllByRole('listitem').map((li) => li.textContent);
    await userEvent.click(panel.getByRole('button', { name: 'Show as table' }));
    expect(panel.getByRole('button', { name: 'Show as table' })).toHaveAttribute('aria-pressed', 'true');
    const rows = within(panel.getByRole('table')).getAllByRole('row').slice(1);
    const tabled = rows.map((r) => within(r).getAllByRole('cell')[0]?.textContent);
    expect(tabled).toEqual(['€0.00', '€1,000.00', '€250.00', '€0.00']);
    expect(charted).toEqual(['2026-10-26=0', '2026-11-02=100000', '2026-11-09=25000', '2026-11-16=0']);
    expect(rows.map((r) => within(r).getByRole('rowheader').textContent)).toEqual([
      'Week of Oct 26, 2026', 'Week of Nov 2, 2026', 'Week of Nov 9, 2026', 'Week of Nov 16, 2026',
    ]);
    // Orders were all zero: a sentence instead of a chart.
    expect(screen.getByText('No order was created in this period.')).toBeInTheDocument();
    const trendCalls = fetch.mock.calls.map(([r]) => new URL((r as Request).url)).filter((u) => u.pathname.endsWith('/trends'));
    expect(trendCalls.map((u) => u.searchParams.get('interval'))).toEqual(['week', 'week', 'week']);
  });

  it('shows the activity in words, linking to the records', async () => {
    serve();
    renderWithProviders(<DashboardPage />, { session: fakeSession({ permissions: ['dashboard:read', 'audit:read'] }), path });
    const invoice = await screen.findByRole('link', { name: 'Ana issued invoice INV-2026-000042 to Acme Ltd' });
    expect(invoice).toHaveAttribute('href', '/invoices/inv1');
    expect(screen.getByRole('link', { name: 'Ana created customer Acme Ltd' })).toHaveAttribute('href', '/customers/c1');
    expect(screen.getByText('Ben recorded a payment')).toBeInTheDocument();
    expect(screen.queryByRole('link', { name: 'Ben recorded a payment' })).toBeNull();
    // The top customers link to the customer and to their invoices of the period.
    expect(screen.getByRole('link', { name: 'Acme Ltd' })).toHaveAttribute('href', '/customers/c1');
    expect(screen.getByRole('link', { name: '3 invoices of Acme Ltd' })).toHaveAttribute('href', '/invoices?customer=c1&from=2026-11-01&to=2026-11-18');
    expect(screen.getByText('No product was invoiced in this period.')).toBeInTheDocument();
  });

  it('hides the activity without audit:read', async () => {
    serve();
    renderWithProviders(<DashboardPage />, { session: fakeSession({ permissions: ['dashboard:read'] }), path });
    await screen.findByRole('link', { name: 'Revenue invoiced: €1,250.00' });
    expect(screen.queryByRole('heading', { name: 'Latest activity' })).toBeNull();
  });

  it('refuses a custom period that ends before it starts, without asking the server', async () => {
    const fetch = serve();
    renderWithProviders(<DashboardPage />, {
      session: fakeSession({ permissions: ['dashboard:read'] }),
      path: '/dashboard?period=custom&from=2026-11-18&to=2026-11-01',
    });
    expect(await screen.findByLabelText(/^To/)).toHaveAccessibleDescription('The last day must not be before the first day.');
    expect(fetch.mock.calls.filter(([r]) => (r as Request).url.includes('/dashboard/'))).toHaveLength(0);
  });

  it('shows a problem in words when the figures cannot be loaded', async () => {
    serve({
      '/api/v1/dashboard/summary': jsonResponse({ type: '/problems/internal', title: 'Internal error', status: 500, detail: 'boom' }, 500),
    });
    renderWithProviders(<DashboardPage />, { session: fakeSession({ permissions: ['dashboard:read'] }), path });
    expect(await screen.findByText('The key figures could not be loaded.')).toBeInTheDocument();
  });

  it('changes the period through the picker, in the URL', async () => {
    serve();
    const { router } = renderWithProviders(<DashboardPage />, { session: fakeSession({ permissions: ['dashboard:read'] }), path: '/dashboard' });
    await userEvent.selectOptions(screen.getByRole('combobox', { name: 'Period' }), 'last-month');
    expect(router.state.location.search).toBe('?period=last-month');
    await userEvent.selectOptions(screen.getByRole('combobox', { name: 'Period' }), 'custom');
    expect(router.state.location.search).toMatch(/^\?period=custom&from=\d{4}-\d{2}-01&to=\d{4}-\d{2}-\d{2}$/);
    expect(screen.getByLabelText(/^From/)).toHaveValue(new URLSearchParams(router.state.location.search).get('from'));
  });
});
