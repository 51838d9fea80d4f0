// Products: create (a form error first), search, edit the price, a conflicting change by
// someone else (412: what changed is listed), archive and restore.
import { expect, test } from '@playwright/test';
import { apiRequest, apiToken, expectAccessible, owner, screenshots, signIn } from './support';



test('a product is created, searched, edited, conflicted, archived and restored', async ({ page }) => {
  const stamp = Date.now().toString(36).toUpperCase();
  const sku = `LAMP-${stamp}`;
  const name = `Brass desk lamp ${stamp}`;
  await signIn(page);
  await page.getByRole('navigation').getByRole('link', { name: 'Products' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Products' })).toBeVisible();
  await expectAccessible(page);

  await page.getByRole('link', { name: 'New product' }).click();
  await page.getByLabel(/^SKU/).fill('no spaces allowed');
  await page.getByLabel(/^Unit price/).fill('12.345');
  await page.getByRole('button', { name: 'Add product' }).click();
  await expect(page.getByLabel(/^SKU/)).toHaveAccessibleDescription(/Use 1 to 64 letters/);
  await expect(page.getByLabel(/^SKU/)).toBeFocused();
  await expect(page.getByLabel(/^Name/)).toHaveAccessibleDescription(/Enter the product’s name/);
  await expectAccessible(page);
  await screenshots(page, 'product-form-errors');
  await page.getByLabel(/^SKU/).fill(sku);
  await page.getByLabel(/^Name/).fill(name);
  await page.getByLabel(/^Unit price/).fill('49.90');
  await page.getByLabel(/^Currency/).fill('eur');
  await page.getByLabel(/^Tax rate/).fill('20');
  await page.getByRole('button', { name: 'Add product' }).click();
  await expect(page.getByRole('heading', { level: 1, name })).toBeVisible();
  await expect(page.getByText('€49.90 per unit')).toBeVisible();
  const id = new URL(page.url()).pathname.split('/').pop() ?? '';

  await page.getByRole('link', { name: '← Products' }).click();
  await page.getByRole('searchbox', { name: 'Search' }).fill(sku.toLowerCase());
  await expect(page).toHaveURL(/q=lamp-/);
  const row = page.getByRole('row', { name: new RegExp(name) });
  await expect(row).toBeVisible();
  await expect(row.getByRole('cell', { name: '€49.90' })).toBeVisible();
  await expectAccessible(page);
  await screenshots(page, 'products-list');

  await row.getByRole('link', { name }).click();
  await page.getByLabel(/^Unit price/).fill('54.5');
  await page.getByRole('button', { name: 'Save changes' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Your changes are saved.' })).toBeVisible();
  await expect(page.getByText('€54.50 per unit')).toBeVisible();
  await expectAccessible(page);
  await screenshots(page, 'product-detail');

  const token = await apiToken(owner.email, owner.password);
  const fresh = await apiRequest('GET', `/api/v1/products/${id}`, token);
  await apiRequest('PATCH', `/api/v1/products/${id}`, token, { tax_rate: '7.5' }, { 'If-Match': fresh.etag });
  await page.getByLabel(/^Name/).fill(`${name} XL`);
  await page.getByRole('button', { name: 'Save changes' }).click();
  const conflict = page.getByRole('alert').filter({ hasText: 'Someone else saved this product' });
  await expect(conflict).toBeFocused();
  await expect(conflict.getByRole('listitem')).toHaveText(['Tax rate: 20% → 7.5%']);
  await expect(page.getByLabel(/^Name/)).toHaveValue(`${name} XL`);
  await expectAccessible(page);
  await screenshots(page, 'product-conflict');
  await conflict.getByRole('button', { name: 'Reload the latest version' }).click();
  await expect(page.getByLabel(/^Tax rate/)).toHaveValue('7.5');

  await page.getByRole('button', { name: 'Archive product' }).click();
  await page.getByRole('group', { name: /Archive .*\?/ }).getByRole('button', { name: 'Yes, archive' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'is archived' })).toBeVisible();
  await page.getByRole('button', { name: 'Restore product' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'is active again' })).toBeVisible();
  await expect(page.getByRole('button', { name: 'Archive product' })).toBeVisible();
});
