// Dashboard: the owner sells (customer, product, confirmed order, invoice made from it, issued,
// a payment) through the API; the dashboard then shows the new revenue, cash and orders, draws
// the charts (uPlot on a canvas) without a CSP violation, offers the same figures as a table,
// and its figures link to the filtered lists. A viewer sees the dashboard too. Phone width.
import { expect, test, type Page } from '@playwright/test';
import { accountWithRole, apiCall, apiToken, base, expectAccessible, owner, screenshots, sellerReady, signIn } from './support';

type Figures = { revenue_invoiced: number; cash_received: number; orders_created: number; from: string; to: string };
type Summary = { current: Figures; previous: Figures; outstanding_receivables: number; overdue_receivables: number };


/** Collects Content Security Policy violations and page errors. */
function watch(page: Page): string[] {
  const problems: string[] = [];
  page.on('console', (m) => {
    if (/Content Security Policy/i.test(m.text())) problems.push(m.text());
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  return problems;
}

const eur = (minor: number) => new Intl.NumberFormat('en-GB', { style: 'currency', currency: 'EUR' }).format(minor / 100);

async function sell(token: string, stamp: string) {
  await sellerReady(token);
  const customer = await apiCall<{ id: string; name: string }>('POST', '/api/v1/customers', token, {
    name: `Dashboard Traders ${stamp}`,
    currency: 'EUR',
    billing_address: { line1: '9 Dock Road', city: 'Galway', postal_code: 'H91 A1', country: 'IE' },
  });
  const product = await apiCall<{ id: string }>('POST', '/api/v1/products', token, {
    sku: `DASH-${stamp}`,
    name: `Dashboard Widget ${stamp}`,
    unit_price: { amount: 4250, currency: 'EUR' },
    tax_rate: '20',
  });
  const order = await apiCall<{ id: string }>('POST', '/api/v1/orders', token, {
    customer_id: customer.id,
    lines: [{ product_id: product.id, quantity: '3' }],
  });
  await apiCall('POST', `/api/v1/orders/${order.id}/confirm`, token);
  const draft = await apiCall<{ id: string }>('POST', `/api/v1/orders/${order.id}/invoice`, token);
  const invoice = await apiCall<{ id: string; number: string; totals: { total: number } }>('POST', `/api/v1/invoices/${draft.id}/issue`, token, {});
  const res = await fetch(`${base}/api/v1/invoices/${invoice.id}/payments`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, 'Idempotency-Key': `dash-${stamp}` },
    body: JSON.stringify({ amount: 5000, method: 'bank_transfer' }),
  });
  expect(res.status).toBe(201);
  return { customer, product, invoice, paid: 5000 };
}

test('the dashboard shows the new figures, charts and tables, and links to the lists', async ({ page }) => {
  const stamp = Date.now().toString(36);
  const token = await apiToken(owner.email, owner.password);
  const before = await apiCall<Summary>('GET', '/api/v1/dashboard/summary', token);
  const sold = await sell(token, stamp);
  const after = await apiCall<Summary>('GET', '/api/v1/dashboard/summary', token);
  expect(after.current.revenue_invoiced - before.current.revenue_invoiced).toBe(sold.invoice.totals.total);
  expect(after.current.cash_received - before.current.cash_received).toBe(sold.paid);
  expect(after.current.orders_created - before.current.orders_created).toBe(1);

  const problems = watch(page);
  await signIn(page);
  await page.getByRole('navigation').getByRole('link', { name: 'Dashboard' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Dashboard' })).toBeVisible();

  // The key figures: this month (the default period), with the new sale in them.
  const kpis = page.getByRole('region', { name: 'Key figures' });
  await expect(kpis.getByRole('link', { name: `Revenue invoiced: ${eur(after.current.revenue_invoiced)}` })).toBeVisible();
  await expect(kpis.getByRole('link', { name: `Cash received: ${eur(after.current.cash_received)}` })).toBeVisible();
  await expect(kpis.getByRole('link', { name: `Orders: ${after.current.orders_created}` })).toBeVisible();
  await expect(kpis.getByRole('link', { name: `Outstanding: ${eur(after.outstanding_receivables)}` })).toBeVisible();
  await expect(kpis.getByText(/Up from nothing in the previous period|on the previous period|No change/).first()).toBeAttached();

  // Charts: uPlot draws each trend on a canvas.
  for (const name of ['Revenue invoiced', 'Cash received', 'Orders']) {
    await expect(page.getByRole('region', { name }).locator('canvas').first()).toBeVisible();
  }
  await expect(page.getByRole('img', { name: /^Revenue invoiced by day/ })).toBeVisible();

  // Top lists and the activity feed name the new records.
  await expect(page.getByRole('region', { name: 'Top customers' }).getByRole('link', { name: sold.customer.name, exact: true })).toBeVisible();
  await expect(page.getByRole('region', { name: 'Top products' }).getByRole('link', { name: `Dashboard Widget ${stamp}` })).toBeVisible();
  const activity = page.getByRole('region', { name: 'Latest activity' });
  await expect(activity.getByRole('link', { name: new RegExp(`issued invoice ${sold.invoice.number}`) })).toHaveAttribute('href', `/invoices/${sold.invoice.id}`);
  await expect(activity.getByText(/recorded a payment/).first()).toBeVisible();
  await expect(page.getByRole('status')).toHaveCount(0);
  await expectAccessible(page);
  await screenshots(page, 'dashboard');

  // The table view: the same figures as the chart, one row per day of the period.
  const revenue = page.getByRole('region', { name: 'Revenue invoiced' });
  await revenue.getByRole('button', { name: 'Show as table' }).click();
  const table = revenue.getByRole('table');
  await expect(table).toBeVisible();
  const days = Math.round((Date.parse(after.current.to) - Date.parse(after.current.from)) / 86_400_000) + 1;
  await expect(table.getByRole('row')).toHaveCount(days + 1);
  await expect(table.getByRole('cell', { name: eur(after.current.revenue_invoiced) })).toBeVisible();
  const cash = page.getByRole('region', { name: 'Cash received' });
  await cash.getByRole('button', { name: 'Show as table' }).click();
  await expect(cash.getByRole('cell', { name: eur(after.current.cash_received) })).toBeVisible();
  await expectAccessible(page);
  await screenshots(page, 'dashboard-tables');

  // By week: the interval is kept in the URL.
  await page.getByLabel('Show by').selectOption('week');
  await expect(page).toHaveURL(/interval=week/);
  await expect(page.getByRole('region', { name: 'Orders' }).locator('canvas').first()).toBeVisible();

  // Last month (nothing sold then in this fresh store): the previous period is named.
  await page.getByRole('combobox', { name: 'Period' }).selectOption('last-month');
  await expect(page).toHaveURL(/period=last-month/);
  await expect(page.getByText(/compared with/)).toBeVisible();
  await page.getByRole('combobox', { name: 'Period' }).selectOption('month');

  // A figure leads to its filtered list.
  await kpis.getByRole('link', { name: /^Overdue:/ }).click();
  await expect(page).toHaveURL(/\/invoices\?status=overdue$/);
  await expect(page.getByRole('heading', { level: 1, name: 'Invoices' })).toBeVisible();
  await expect(page.getByRole('combobox', { name: 'Status' })).toHaveValue('overdue');
  await page.goBack();
  await kpis.getByRole('link', { name: /^Orders:/ }).click();
  await expect(page).toHaveURL(new RegExp(`/orders\\?from=${after.current.from}&to=${after.current.to}$`));
  await expect(page.getByRole('heading', { level: 1, name: 'Orders' })).toBeVisible();
  await expect(page.getByRole('table').getByText(sold.customer.name).first()).toBeVisible();

  expect(problems).toEqual([]);
});

test('a viewer sees the dashboard, also at phone width', async ({ page }) => {
  const viewer = await accountWithRole('viewer');
  const problems = watch(page);
  await signIn(page, viewer);
  await page.setViewportSize({ width: 390, height: 844 });
  const response = await page.goto('/dashboard');
  // The app is served with the strict CSP the chart has to live with.
  expect(response?.headers()['content-security-policy']).toContain("style-src 'self'");
  await expect(page.getByRole('heading', { level: 1, name: 'Dashboard' })).toBeVisible();
  await expect(page.getByRole('region', { name: 'Key figures' }).getByRole('link', { name: /^Revenue invoiced:/ })).toBeVisible();
  await expect(page.getByRole('status')).toHaveCount(0);
  // The activity feed is the audit trail's: not for viewers.
  await expect(page.getByRole('region', { name: 'Latest activity' })).toHaveCount(0);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  expect(overflow).toBeLessThanOrEqual(1);
  await expectAccessible(page);
  await screenshots(page, 'dashboard-phone');
  expect(problems).toEqual([]);
});
