// Invoices, credit notes and payments: an accountant issues an invoice made from an order,
// records two payments (the first one's answer is lost and the form retries with the same
// Idempotency-Key: it is recorded once), the invoice shows paid, the PDF opens in the page,
// the invoice is emailed; a credit note and a void on other invoices; a viewer sees it all
// and can change nothing (at phone width).
import { expect, test } from '@playwright/test';
import { accountWithRole, address, apiCall, apiToken, emailsTo, expectAccessible, owner, screenshots, sellerReady, signIn } from './support';

type Doc = { id: string; number: string | null; status: string; balance_due: number };


/** A customer (with an email address) and a product, made by the owner. */
async function masterData(token: string, stamp: string) {
  await sellerReady(token);
  const email = address('billing');
  const customer = await apiCall<{ id: string; name: string }>('POST', '/api/v1/customers', token, {
    name: `Lighthouse Traders ${stamp}`,
    email,
    currency: 'EUR',
    payment_terms_days: 14,
    billing_address: { line1: '3 Harbour Road', city: 'Cork', postal_code: 'T12 X1', country: 'IE' },
  });
  const product = await apiCall<{ id: string }>('POST', '/api/v1/products', token, {
    name: `Brass lantern ${stamp}`, sku: `LAN-${stamp}`, unit_price: { amount: 5000, currency: 'EUR' }, tax_rate: '20', unit: 'pcs',
  });
  return { customer, product, email };
}

/** A draft invoice made from a confirmed order: 2 lanterns (€100 + 20% tax) and €30 of delivery. */
async function invoiceFromOrder(token: string, customerId: string, productId: string): Promise<Doc> {
  const order = await apiCall<{ id: string }>('POST', '/api/v1/orders', token, {
    customer_id: customerId,
    lines: [{ product_id: productId, quantity: '2' }, { description: 'Delivery', quantity: '1', unit_price: 3000, tax_rate: '0' }],
  });
  await apiCall('POST', `/api/v1/orders/${order.id}/confirm`, token);
  return apiCall<Doc>('POST', `/api/v1/orders/${order.id}/invoice`, token);
}

async function issuedInvoice(token: string, customerId: string): Promise<Doc> {
  const draft = await apiCall<Doc>('POST', '/api/v1/invoices', token, {
    customer_id: customerId,
    lines: [
      { description: 'Consulting', quantity: '4', unit_price: 2500, tax_rate: '20' },
      { description: 'Travel', quantity: '1', unit_price: 2000, tax_rate: '0' },
    ],
  });
  return apiCall<Doc>('POST', `/api/v1/invoices/${draft.id}/issue`, token, {});
}

test('an accountant issues an invoice, records two payments (one retried), and it shows paid, its PDF and its email', async ({ page }) => {
  const stamp = Date.now().toString(36);
  const token = await apiToken(owner.email, owner.password);
  const { customer, product, email } = await masterData(token, stamp);
  const draft = await invoiceFromOrder(token, customer.id, product.id);
  const accountant = await accountWithRole('accountant');
  await signIn(page, accountant);

  // The list, filtered by the customer (in the URL).
  await page.getByRole('navigation').getByRole('link', { name: 'Invoices' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Invoices' })).toBeVisible();
  await page.getByLabel('Customer').selectOption(customer.id);
  await expect(page).toHaveURL(new RegExp(`customer=${customer.id}`));
  const row = page.getByRole('row').filter({ has: page.getByRole('link', { name: 'Draft invoice' }) });
  await expect(row).toHaveCount(1);
  await expect(row).toContainText('€150.00');
  await expectAccessible(page);
  await screenshots(page, 'invoices-list');

  // Issue: the number appears.
  await row.getByRole('link', { name: 'Draft invoice' }).click();
  await expect(page.getByRole('heading', { level: 1, name: /Draft invoice/ })).toBeVisible();
  await expectAccessible(page);
  await page.getByRole('button', { name: 'Issue invoice' }).click();
  await expect(page.getByRole('status').filter({ hasText: /is issued as INV-\d{4}-\d+/ })).toBeVisible();
  const heading = page.getByRole('heading', { level: 1, name: /^INV-\d{4}-\d+/ });
  await expect(heading).toBeVisible();
  const number = ((await heading.textContent()) ?? '').match(/INV-\d{4}-\d+/)?.[0] ?? '';
  expect(number).not.toBe('');
  await expect(page.getByRole('button', { name: 'Issue invoice' })).toHaveCount(0);
  await screenshots(page, 'invoice-issued');

  // First payment: the server records it but the answer is lost; the form retries with the
  // same Idempotency-Key, and the double click sends nothing more.
  const keys: string[] = [];
  let lose = true;
  await page.route(`**/api/v1/invoices/${draft.id}/payments`, async (route) => {
    const req = route.request();
    if (req.method() !== 'POST') return route.continue();
    keys.push((await req.headerValue('idempotency-key')) ?? '');
    if (lose) {
      lose = false;
      await route.fetch();
      return route.abort('failed');
    }
    return route.continue();
  });
  await page.getByRole('button', { name: 'Record a payment' }).click();
  await expect(page.getByLabel(/^Amount/)).toHaveValue('150.00');
  await expectAccessible(page);
  // A payment above the balance: the server's field error.
  await page.getByLabel(/^Amount/).fill('200');
  await page.getByRole('button', { name: 'Record payment' }).click();
  await expect(page.getByLabel(/^Amount/)).toHaveAccessibleDescription(/more than the balance due \(€150\.00\)/);
  await expectAccessible(page);
  await page.getByLabel(/^Amount/).fill('100.00');
  await page.getByLabel('Reference').fill(`TX-${stamp}`);
  await page.getByRole('button', { name: 'Record payment' }).dblclick();
  await expect(page.getByRole('status').filter({ hasText: 'A payment of €100.00 is recorded.' })).toBeVisible();
  expect(keys.length).toBeGreaterThanOrEqual(3); // the 422, the lost one, the retry
  expect(keys[0]).toMatch(/^[0-9a-f-]{36}$/);
  expect(new Set(keys).size).toBe(1);
  await page.unroute(`**/api/v1/invoices/${draft.id}/payments`);
  const recorded = await apiCall<{ items: unknown[] }>('GET', `/api/v1/invoices/${draft.id}/payments`, token);
  expect(recorded.items).toHaveLength(1);
  const payments = page.getByRole('region', { name: 'Payments', exact: true }).getByRole('row');
  await expect(payments).toHaveCount(2);
  await expect(page.getByText('Partly paid', { exact: true }).first()).toBeVisible();

  // Second payment: the rest (prefilled), a fresh key.
  await page.getByRole('button', { name: 'Record a payment' }).click();
  await expect(page.getByLabel(/^Amount/)).toHaveValue('50.00');
  await page.getByLabel('Method').selectOption('card');
  await page.getByRole('button', { name: 'Record payment' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'A payment of €50.00 is recorded.' })).toBeVisible();
  await expect(page.getByRole('heading', { level: 1, name: new RegExp(`${number}.*Paid`) })).toBeVisible();
  await expect(payments).toHaveCount(3);
  await expect(page.getByRole('button', { name: 'Record a payment' })).toHaveCount(0);
  await expect(page.getByRole('button', { name: 'Void invoice' })).toHaveCount(0);
  await expect(page.getByText('Balance due').locator('xpath=following-sibling::dd[1]')).toHaveText('€0.00');
  await expectAccessible(page);
  await screenshots(page, 'invoice-paid');

  // The PDF in the page, from a blob: URL.
  const pdfResponse = page.waitForResponse((r) => r.url().endsWith(`/api/v1/invoices/${draft.id}/pdf`));
  await page.getByRole('button', { name: 'Show the PDF' }).click();
  const pdf = await pdfResponse;
  expect(pdf.status()).toBe(200);
  expect(pdf.headers()['content-type']).toBe('application/pdf');
  const frame = page.locator('iframe[title^="PDF of"]');
  await expect(frame).toHaveAttribute('src', /^blob:/);
  await expect(page.getByRole('link', { name: 'Download the PDF' })).toHaveAttribute('download', `${number}.pdf`);
  await expectAccessible(page);
  await page.waitForTimeout(800);
  await frame.scrollIntoViewIfNeeded();
  await screenshots(page, 'invoice-pdf');

  // Send by email to the customer's address: the .eml lands in the outbox folder.
  await page.getByRole('button', { name: 'Send by email' }).click();
  await expect(page.getByRole('radio', { name: `The customer: ${email}` })).toBeChecked();
  await expectAccessible(page);
  await page.getByRole('button', { name: 'Send', exact: true }).click();
  await expect(page.getByRole('status').filter({ hasText: email })).toBeVisible();
  await expect.poll(() => emailsTo(email).filter((m) => m.includes(number) && /application\/pdf/.test(m)).length, { timeout: 15_000 }).toBeGreaterThan(0);
});

test('a credit note and a void on other invoices', async ({ page }) => {
  const stamp = Date.now().toString(36);
  const token = await apiToken(owner.email, owner.password);
  const { customer } = await masterData(token, stamp);
  const toCredit = await issuedInvoice(token, customer.id); // 4 × €25 + 20% = €120, + €20 = €140
  const toVoid = await issuedInvoice(token, customer.id);
  const accountant = await accountWithRole('accountant');
  await signIn(page, accountant);

  // A partial credit note: one of the four consulting hours.
  await page.goto(`/invoices/${toCredit.id}`);
  await expect(page.getByRole('heading', { level: 1, name: new RegExp(toCredit.number ?? 'INV') })).toBeVisible();
  await page.getByRole('button', { name: 'Issue a credit note' }).click();
  await page.getByRole('radio', { name: 'Quantities of its lines' }).check();
  await page.getByLabel(/^Consulting/).fill('1');
  await page.getByLabel(/^Reason/).fill('One hour not delivered');
  await expectAccessible(page);
  await page.getByRole('button', { name: 'Issue credit note' }).click();
  await expect(page.getByRole('status').filter({ hasText: /Credit note CN-\d{4}-\d+ is issued for €30\.00/ })).toBeVisible();
  await expect(page.getByText('Balance due').locator('xpath=following-sibling::dd[1]')).toHaveText('€110.00');
  const credits = page.getByRole('region', { name: 'Credit notes', exact: true });
  await expect(credits.getByRole('link', { name: /^CN-/ })).toBeVisible();
  await expect(page.getByRole('button', { name: 'Void invoice' })).toHaveCount(0);
  await credits.getByRole('link', { name: /^CN-/ }).click();
  await expect(page.getByRole('heading', { level: 1, name: /Credit note CN-.*Applied/ })).toBeVisible();
  await expect(page.getByText('One hour not delivered')).toBeVisible();
  await expectAccessible(page);

  // A void, confirmed.
  await page.goto(`/invoices/${toVoid.id}`);
  await page.getByRole('button', { name: 'Void invoice' }).click();
  await expectAccessible(page);
  await page.getByRole('button', { name: 'Yes, void' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'The invoice is void' })).toBeVisible();
  await expect(page.getByRole('heading', { level: 1, name: /Void/ })).toBeVisible();
  await expect(page.getByRole('button', { name: 'Record a payment' })).toHaveCount(0);
  await expect(page.getByRole('button', { name: 'Send by email' })).toHaveCount(0);

  // The list's status filter finds it; credit notes on request.
  await page.goto(`/invoices?customer=${customer.id}&status=void`);
  await expect(page.getByRole('table').getByRole('link', { name: toVoid.number ?? '' })).toBeVisible();
  await expect(page.getByRole('table').getByRole('row')).toHaveCount(2);
  await page.getByLabel('Status').selectOption('applied');
  await expect(page.getByRole('table').getByRole('link', { name: /^CN-/ })).toBeVisible();
});

test('a viewer sees invoices and payments and can change nothing, at phone width', async ({ page }) => {
  const stamp = Date.now().toString(36);
  const token = await apiToken(owner.email, owner.password);
  const { customer } = await masterData(token, stamp);
  const invoice = await issuedInvoice(token, customer.id);
  await apiCall('POST', `/api/v1/invoices/${invoice.id}/payments`, token, { amount: 4000, method: 'cash' });
  const viewer = await accountWithRole('viewer');
  await signIn(page, viewer);
  await page.setViewportSize({ width: 390, height: 844 });

  await page.goto(`/invoices?customer=${customer.id}`);
  await expect(page.getByRole('table').getByRole('link', { name: invoice.number ?? '' })).toBeVisible();
  await expect(page.getByRole('link', { name: 'New invoice' })).toHaveCount(0);
  await expectAccessible(page);
  await screenshots(page, 'invoices-list-phone');

  await page.getByRole('table').getByRole('link', { name: invoice.number ?? '' }).click();
  await expect(page.getByRole('heading', { level: 1, name: new RegExp(`${invoice.number}.*Partly paid`) })).toBeVisible();
  await expect(page.getByRole('region', { name: 'Payments', exact: true }).getByRole('row')).toHaveCount(2);
  for (const name of ['Issue invoice', 'Record a payment', 'Send by email', 'Issue a credit note', 'Void invoice', 'Reverse'])
    await expect(page.getByRole('button', { name })).toHaveCount(0);
  await expect(page.getByRole('link', { name: 'Edit draft' })).toHaveCount(0);
  await page.getByRole('button', { name: 'Show the PDF' }).click();
  await expect(page.locator('iframe[title^="PDF of"]')).toHaveAttribute('src', /^blob:/);
  // Nothing wider than the phone: wide tables scroll inside their own box.
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
  await expectAccessible(page);
  await screenshots(page, 'invoice-viewer-phone');

  await page.goto(`/payments?customer=${customer.id}`);
  await expect(page.getByRole('heading', { level: 1, name: 'Payments' })).toBeVisible();
  await expect(page.getByRole('table').getByRole('link', { name: invoice.number ?? '' })).toBeVisible();
  await expect(page.getByRole('cell', { name: '€40.00' })).toBeVisible();
  await expectAccessible(page);
  await screenshots(page, 'payments-list');
});

test('a manager-level user reverses a payment and the invoice reopens', async ({ page }) => {
  const stamp = Date.now().toString(36);
  const token = await apiToken(owner.email, owner.password);
  const { customer } = await masterData(token, stamp);
  const invoice = await issuedInvoice(token, customer.id);
  await apiCall('POST', `/api/v1/invoices/${invoice.id}/payments`, token, { amount: 14000, method: 'cheque', reference: `CHQ-${stamp}` });
  await signIn(page, owner);
  await page.goto(`/invoices/${invoice.id}`);
  await expect(page.getByRole('heading', { level: 1, name: /Paid/ })).toBeVisible();
  await page.getByRole('button', { name: 'Reverse' }).click();
  await expect(page.getByRole('button', { name: 'Yes, reverse' })).toBeFocused();
  await expectAccessible(page);
  await page.getByRole('button', { name: 'Yes, reverse' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'The payment is reversed.' })).toBeVisible();
  await expect(page.getByRole('heading', { level: 1, name: /Issued/ })).toBeVisible();
  await expect(page.getByText('No payments yet.')).toBeVisible();
  await expect(page.getByRole('button', { name: 'Record a payment' })).toBeVisible();
  // The owner may read the audit trail: the history shows the payment and its reversal.
  await expect(page.getByRole('heading', { name: 'History' })).toBeVisible();
});
