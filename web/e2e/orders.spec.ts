// Orders: a sales user enters orders of 3 and 40 lines from the keyboard and confirms them;
// an accountant makes the invoice; a viewer sees orders but no actions. Plus the unsaved
// changes warning, the editor at phone width and the server's 500-line limit.
import { expect, test, type Browser, type Page } from '@playwright/test';
import { accountWithRole, apiCall, apiToken, expectAccessible, owner, screenshots, signIn } from './support';


async function as(browser: Browser, who: { email: string; password: string }) {
  const context = await browser.newContext();
  const page = await context.newPage();
  await signIn(page, who);
  return page;
}

const stamp = Date.now().toString(36);
let ownerToken = '';
let customer: { id: string; name: string };

test.beforeAll(async () => {
  ownerToken = await apiToken(owner.email, owner.password);
  customer = await apiCall('POST', '/api/v1/customers', ownerToken, { name: `Quay Traders ${stamp}`, email: `orders-${stamp}@quay.example`, currency: 'EUR' });
  await apiCall('POST', '/api/v1/products', ownerToken, {
    sku: `WID-${stamp}`, name: `Widget ${stamp}`, unit_price: { amount: 1250, currency: 'EUR' }, tax_rate: '20', unit: 'box',
  });
});

async function pickCustomer(page: Page, name: string) {
  const box = page.getByRole('combobox', { name: /^Customer/ });
  await box.fill(name);
  await expect(page.getByRole('option', { name: new RegExp(name) })).toBeVisible();
  await box.press('ArrowDown');
  await box.press('Enter');
  await expect(box).toHaveValue(name);
}

/** One free-text line from the keyboard, starting in its Item cell; Enter adds the next. */
async function typeLine(page: Page, description: string, quantity: string, price: string, tax: string) {
  await page.keyboard.type(description);
  await page.keyboard.press('Tab');
  await page.keyboard.press('ControlOrMeta+a');
  await page.keyboard.type(quantity);
  await page.keyboard.press('Tab');
  await page.keyboard.type(price);
  await page.keyboard.press('Tab'); // discount type
  await page.keyboard.press('Tab'); // tax rate (no discount: its amount is disabled)
  await page.keyboard.type(tax);
  await page.keyboard.press('Enter');
}

const editorTotal = (page: Page) => page.locator('[data-total="total"]');

test('a sales user enters orders from the keyboard, an accountant invoices, a viewer only reads', async ({ page, browser }) => {
  test.setTimeout(180_000);
  const sales = await accountWithRole('sales');
  await signIn(page, sales);
  await page.getByRole('navigation').getByRole('link', { name: 'Orders' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Orders' })).toBeVisible();
  await expectAccessible(page);

  // Three lines: a product picked by search (its price and rate fill in), two free-text lines.
  await page.getByRole('link', { name: 'New order' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'New order' })).toBeVisible();
  await pickCustomer(page, customer.name);
  const item1 = page.getByRole('combobox', { name: 'Item, line 1' });
  await item1.focus();
  await page.keyboard.type(`Widget ${stamp}`);
  await expect(page.getByRole('option', { name: new RegExp(`Widget ${stamp}`) })).toBeVisible();
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('Enter');
  await expect(page.getByRole('textbox', { name: 'Quantity, line 1' })).toBeFocused();
  await expect(page.getByRole('textbox', { name: 'Unit price, line 1' })).toHaveValue('12.50');
  await expect(page.getByRole('textbox', { name: 'Tax rate, line 1' })).toHaveValue('20');
  await page.keyboard.press('ControlOrMeta+a');
  await page.keyboard.type('3');
  await page.keyboard.press('Tab');
  await page.keyboard.press('Tab');
  await page.keyboard.press('Tab');
  await page.keyboard.press('Enter');
  await expect(page.getByRole('combobox', { name: 'Item, line 2' })).toBeFocused();
  await typeLine(page, 'Installation', '2.5', '45', '20');
  await typeLine(page, 'Delivery', '1', '9.99', '7');
  await expect(page.getByRole('combobox', { name: 'Item, line 4' })).toBeFocused();
  // 3 × 12.50 + 2.5 × 45 at 20 % = 150.00 + 30.00; 9.99 at 7 % = 9.99 + 0.70
  await expect(editorTotal(page)).toHaveText('€190.69');
  await expect(page.locator('[data-total="tax-7"]')).toHaveText('€0.70');
  await expectAccessible(page);
  await screenshots(page, 'order-editor');

  // Leaving with unsaved changes asks first.
  await page.getByRole('navigation').getByRole('link', { name: 'Orders' }).click();
  const leave = page.getByRole('alertdialog', { name: 'Leave without saving?' });
  await expect(leave).toBeFocused();
  await leave.getByRole('button', { name: 'Stay on this page' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'New order' })).toBeVisible();

  await page.getByRole('button', { name: 'Create order' }).click();
  await expect(page.getByRole('heading', { level: 1, name: new RegExp(`Order for ${customer.name}`) })).toContainText('Draft');
  await expect(page.locator('[data-order-total]')).toHaveText('€190.69');
  await expect(editorTotal(page)).toHaveText('€190.69');
  const orderId = new URL(page.url()).pathname.split('/').pop() ?? '';
  const stored = await apiCall<{ lines: unknown[]; totals: { total: number } }>('GET', `/api/v1/orders/${orderId}`, ownerToken);
  expect(stored.lines).toHaveLength(3);
  expect(stored.totals.total).toBe(19069);
  await expectAccessible(page);
  await page.getByRole('button', { name: 'Confirm order' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'The order is confirmed.' })).toBeVisible();
  await expect(page.getByRole('heading', { level: 1 })).toContainText('Confirmed');
  await expect(page.getByRole('cell', { name: 'Installation' })).toBeVisible();
  await expectAccessible(page);
  await screenshots(page, 'order-detail-confirmed');

  // Forty lines, all from the keyboard.
  await page.goto('/orders/new');
  await pickCustomer(page, customer.name);
  await page.getByRole('combobox', { name: 'Item, line 1' }).focus();
  let net = 0;
  for (let i = 1; i <= 40; i++) {
    await typeLine(page, `Part ${i}`, String(i), '1.05', '10');
    net += i * 105;
  }
  // Tax is rounded once per rate (10 % of the 40 lines' net), not line by line.
  const expected = net + Math.round(net / 10 + 1e-9);
  await expect(page.getByRole('combobox', { name: 'Item, line 41' })).toBeFocused();
  await page.getByRole('button', { name: 'Create order' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toContainText('Draft');
  const bigId = new URL(page.url()).pathname.split('/').pop() ?? '';
  const big = await apiCall<{ lines: unknown[]; totals: { total: number } }>('GET', `/api/v1/orders/${bigId}`, ownerToken);
  expect(big.lines).toHaveLength(40);
  expect(big.totals.total).toBe(expected);
  await page.getByRole('button', { name: 'Confirm order' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toContainText('Confirmed');

  // The list shows both, with their totals.
  await page.goto(`/orders?customer=${customer.id}&customer_name=${encodeURIComponent(customer.name)}`);
  await expect(page.getByRole('table').getByRole('row')).toHaveCount(3);
  await expect(page.getByRole('row', { name: /€190\.69/ })).toBeVisible();
  await expectAccessible(page);
  await screenshots(page, 'orders-list');

  // An accountant makes the invoice: the new draft invoice opens.
  const accountant = await as(browser, await accountWithRole('accountant'));
  await accountant.goto(`/orders/${orderId}`);
  await expect(accountant.getByRole('heading', { level: 1 })).toContainText('Confirmed');
  await expect(accountant.getByRole('button', { name: 'Confirm order' })).toHaveCount(0);
  await expect(accountant.getByRole('button', { name: 'Cancel order' })).toHaveCount(0);
  await accountant.getByRole('button', { name: 'Make the invoice' }).click();
  await expect(accountant).toHaveURL(/\/invoices\/[0-9a-f-]+$/);
  const invoiceId = new URL(accountant.url()).pathname.split('/').pop() ?? '';
  const invoice = await apiCall<{ order_id: string; totals: { total: number }; status: string }>('GET', `/api/v1/invoices/${invoiceId}`, ownerToken);
  expect(invoice).toMatchObject({ order_id: orderId, status: 'draft', totals: { total: 19069 } });
  await accountant.goto(`/orders/${orderId}`);
  await expect(accountant.getByRole('heading', { level: 1 })).toContainText('Invoiced');
  await expect(accountant.getByRole('link', { name: 'Open the invoice' })).toBeVisible();

  // A viewer sees the orders and no action.
  const viewer = await as(browser, await accountWithRole('viewer'));
  await viewer.goto('/orders');
  await expect(viewer.getByRole('heading', { level: 1, name: 'Orders' })).toBeVisible();
  await expect(viewer.getByRole('link', { name: 'New order' })).toHaveCount(0);
  await viewer.goto(`/orders/${bigId}`);
  await expect(viewer.getByRole('cell', { name: 'Part 40' })).toBeVisible();
  for (const name of ['Confirm order', 'Cancel order', 'Make the invoice', 'Save changes']) {
    await expect(viewer.getByRole('button', { name })).toHaveCount(0);
  }
  await expect(viewer.getByRole('textbox')).toHaveCount(0);
  await expectAccessible(viewer);
  await viewer.goto('/orders/new');
  await expect(viewer.getByRole('heading', { level: 1 })).toHaveText('You are not allowed to see this page');
});

/** The machine running these may be busy: generous waits for the 500-line steps. */
const slow = expect.configure({ timeout: 30_000 });

test('a 500-line order opens and edits; a 501st line is refused with the server’s message', async ({ page }) => {
  test.setTimeout(120_000);
  const lines = Array.from({ length: 500 }, (_, i) => ({ description: `Bulk item ${i + 1}`, quantity: '1', unit_price: 100 + i, tax_rate: i % 2 ? '20' : '7' }));
  const order = await apiCall<{ id: string; totals: { total: number } }>('POST', '/api/v1/orders', ownerToken, { customer_id: customer.id, lines });
  page.on('dialog', (d) => void d.accept());
  await signIn(page, owner);
  await page.goto(`/orders/${order.id}`);
  await slow(page.getByRole('textbox', { name: 'Quantity, line 500' })).toBeAttached(); // off screen: not rendered (content-visibility)
  await slow(editorTotal(page)).toHaveText(await page.locator('[data-order-total]').innerText());
  await page.getByRole('button', { name: 'Add line' }).click();
  await slow(page.getByText('A document has at most 500 lines; this one has 501.')).toBeVisible();
  await page.keyboard.type('One too many');
  await page.keyboard.press('Tab');
  await page.keyboard.press('Tab');
  await page.keyboard.type('1');
  const answered = page.waitForResponse((r) => r.request().method() === 'PATCH' && r.url().includes(`/api/v1/orders/${order.id}`));
  await page.getByRole('button', { name: 'Save changes' }).click();
  expect((await answered).status()).toBe(422);
  await slow(page.getByRole('alert').filter({ hasText: 'A document has at most 500 lines (501 given).' })).toBeVisible({ timeout: 30_000 });

  // At phone width the editor scrolls inside its container, not the page.
  await page.setViewportSize({ width: 390, height: 844 });
  await page.getByRole('button', { name: 'Remove line 501' }).click();
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  expect(overflow).toBeLessThanOrEqual(1);
  await page.setViewportSize({ width: 390, height: 844 });
  await page.goto('/orders/new');
  await slow(page.getByRole('heading', { level: 1, name: 'New order' })).toBeVisible();
  expect(await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth)).toBeLessThanOrEqual(1);
  await expectAccessible(page);
  await screenshots(page, 'order-editor-phone');
});
