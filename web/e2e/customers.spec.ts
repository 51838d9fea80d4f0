// Customers: the journey of the issue — create (with a form error first), search, edit, a
// conflicting change by someone else (412: what changed is listed, reload), archive. Plus the
// list at phone width and a read-only role seeing no write actions.
import { expect, test } from '@playwright/test';
import { accountWithRole, apiRequest, apiToken, expectAccessible, owner, screenshots, signIn } from './support';



test('a customer is created, searched, edited, conflicted and archived', async ({ page }) => {
  const stamp = Date.now().toString(36);
  const name = `Harbour Supplies ${stamp}`;
  await signIn(page);
  await page.getByRole('navigation').getByRole('link', { name: 'Customers' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Customers' })).toBeVisible();
  await expect(page.getByRole('status')).toHaveCount(0);
  await expectAccessible(page);

  // Create: the client checks first, then the customer is saved and its page opens.
  await page.getByRole('link', { name: 'New customer' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'New customer' })).toBeVisible();
  await page.getByLabel('Email').fill('not an email');
  await page.getByLabel('City').fill('Bristol');
  await page.getByRole('button', { name: 'Create customer' }).click();
  await expect(page.getByLabel(/^Name/)).toHaveAccessibleDescription('Enter the customer’s name.');
  await expect(page.getByLabel(/^Name/)).toBeFocused();
  await expect(page.getByLabel('Email')).toHaveAccessibleDescription(/Enter an email address/);
  await expect(page.getByLabel('Address line 1')).toHaveAccessibleDescription('Enter the first address line.');
  await expectAccessible(page);
  await screenshots(page, 'customer-form-errors');
  await page.getByLabel(/^Name/).fill(name);
  await page.getByLabel('Email').fill(`accounts-${stamp}@harbour.example`);
  await page.getByLabel('Address line 1').fill('1 Quay Street');
  await page.getByLabel('Postal code').fill('BS1 4DJ');
  await page.getByLabel('Country').fill('gb');
  await page.getByLabel('Currency').fill('GBP');
  await page.getByLabel(/Payment terms/).fill('14');
  await page.getByRole('button', { name: 'Create customer' }).click();
  await expect(page.getByRole('heading', { level: 1, name })).toBeVisible();
  await expect(page.getByRole('status').filter({ hasText: 'is created' })).toBeVisible();
  const id = new URL(page.url()).pathname.split('/').pop() ?? '';

  // Search as you type: the URL keeps the search.
  await page.getByRole('link', { name: '← Customers' }).click();
  await page.getByRole('searchbox', { name: 'Search' }).fill(`harbour supplies ${stamp}`);
  await expect(page).toHaveURL(/q=harbour/);
  await expect(page.getByRole('table').getByRole('link', { name })).toBeVisible();
  await expect(page.getByRole('table').getByRole('row')).toHaveCount(2);
  await page.reload();
  await expect(page.getByRole('searchbox', { name: 'Search' })).toHaveValue(`harbour supplies ${stamp}`);
  await expect(page.getByRole('table').getByRole('link', { name })).toBeVisible();
  await expectAccessible(page);
  await screenshots(page, 'customers-list');
  await page.getByRole('searchbox', { name: 'Search' }).fill(`nothing-like-${stamp}`);
  await expect(page.getByText(/No customer matches “nothing-like-/)).toBeVisible();

  // Edit.
  await page.goto(`/customers/${id}`);
  await expect(page.getByRole('heading', { level: 1, name })).toBeVisible();
  await expect(page.getByText('1 Quay Street, BS1 4DJ Bristol, GB')).toBeVisible();
  await expectAccessible(page);
  await screenshots(page, 'customer-detail');
  await page.getByLabel('Phone').fill('+44 117 496 0000');
  await page.getByRole('button', { name: 'Save changes' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Your changes are saved.' })).toBeVisible();
  await expect(page.getByText('+44 117 496 0000', { exact: true })).toBeVisible();

  // Someone else saves first (through the API, with the ETag it read).
  const token = await apiToken(owner.email, owner.password);
  const fresh = await apiRequest('GET', `/api/v1/customers/${id}`, token);
  expect(fresh.etag).toMatch(/^"\d+"$/);
  await apiRequest('PATCH', `/api/v1/customers/${id}`, token, { email: `ap-${stamp}@harbour.example`, payment_terms_days: 30 }, { 'If-Match': fresh.etag });
  await page.getByLabel(/^Name/).fill(`${name} Ltd`);
  await page.getByRole('button', { name: 'Save changes' }).click();
  const conflict = page.getByRole('alert').filter({ hasText: 'Someone else saved this customer' });
  await expect(conflict).toBeVisible();
  await expect(conflict).toBeFocused();
  await expect(conflict.getByRole('listitem')).toHaveText([
    `Email: accounts-${stamp}@harbour.example → ap-${stamp}@harbour.example`,
    'Payment terms: 14 days → 30 days',
  ]);
  await expect(page.getByLabel(/^Name/)).toHaveValue(`${name} Ltd`);
  await expectAccessible(page);
  await screenshots(page, 'customer-conflict');
  await conflict.getByRole('button', { name: 'Reload the latest version' }).click();
  await expect(page.getByLabel('Email')).toHaveValue(`ap-${stamp}@harbour.example`);
  await expect(page.getByLabel(/^Name/)).toHaveValue(name);
  await page.getByLabel(/^Name/).fill(`${name} Ltd`);
  await page.getByRole('button', { name: 'Save changes' }).click();
  await expect(page.getByRole('heading', { level: 1, name: `${name} Ltd` })).toBeVisible();

  // Archive, with a confirmation.
  await page.getByRole('button', { name: 'Archive customer' }).click();
  const confirm = page.getByRole('group', { name: /Archive .*\?/ });
  await expect(confirm).toBeFocused();
  await confirm.getByRole('button', { name: 'Yes, archive' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'is archived' })).toBeVisible();
  await expect(page.locator('h1 .badge')).toHaveText('Archived');
  await page.goto(`/customers?status=archived&q=${encodeURIComponent(`harbour supplies ${stamp}`)}`);
  await expect(page.getByRole('table').getByRole('link', { name: `${name} Ltd` })).toBeVisible();
  await page.getByLabel('Status').selectOption('active');
  await expect(page.getByText(/No customer matches/)).toBeVisible();
});

test('the list works at phone width, and a viewer sees no write actions', async ({ page }) => {
  const token = await apiToken(owner.email, owner.password);
  await apiRequest('POST', '/api/v1/customers', token, { name: `Phone Width Trading ${Date.now().toString(36)}`, email: 'a-rather-long-address-for-a-phone@phone-width-trading.example' });
  const viewer = await accountWithRole('viewer');
  await signIn(page, viewer);
  await page.setViewportSize({ width: 390, height: 844 });
  await page.goto('/customers?q=phone%20width');
  const link = page.getByRole('table').getByRole('link', { name: /Phone Width Trading/ }).first();
  await expect(link).toBeVisible();
  await expect(page.getByRole('link', { name: 'New customer' })).toHaveCount(0);
  // The table scrolls inside its wrapper, not the page.
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  expect(overflow).toBeLessThanOrEqual(1);
  await expectAccessible(page);
  await screenshots(page, 'customers-list-phone');
  await link.click();
  await expect(page.getByRole('heading', { level: 1, name: /Phone Width Trading/ })).toBeVisible();
  await expect(page.getByRole('button', { name: 'Archive customer' })).toHaveCount(0);
  await expect(page.getByRole('button', { name: 'Save changes' })).toHaveCount(0);
  await page.goto('/customers/new');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('You are not allowed to see this page');
});
