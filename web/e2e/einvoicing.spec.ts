// E-invoicing (EN 16931): the owner fills the company's e-invoicing data in the settings
// (VAT id, address, registration number, Peppol id, contact, IBAN and BIC: the IBAN needs a
// fresh sign-in), marks a line of a draft as exempt with its reason, is refused the issue of
// an invoice for a customer without a billing address (rule BR-10, with a link to the
// customer), adds the address, issues, and downloads the UBL and the CII.
import { readFileSync } from 'node:fs';

import { expect, test } from '@playwright/test';
import { address, apiCall, apiToken, expectAccessible, owner, screenshots, signIn } from './support';

test('the owner fills the e-invoicing data, fixes what an invoice lacks, issues it and downloads its UBL and CII', async ({ page }) => {
  test.setTimeout(120_000);
  const stamp = Date.now().toString(36);
  const token = await apiToken(owner.email, owner.password);
  const customer = await apiCall<{ id: string; name: string }>('POST', '/api/v1/customers', token, {
    name: `Gezeitenwerk GmbH ${stamp}`, email: address('ap'), currency: 'EUR', tax_id: 'DE811907980',
  });
  const draft = await apiCall<{ id: string }>('POST', '/api/v1/invoices', token, {
    customer_id: customer.id,
    lines: [{ description: 'Harbour survey', quantity: '2', unit_price: 40000, tax_rate: '19' }],
  });
  await signIn(page, owner);

  // The company's e-invoicing data.
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Company settings' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Company settings' })).toBeVisible();
  await page.getByLabel(/^Company name/).fill('Harbour Lights Trading Ltd');
  await page.getByLabel(/^Tax id/).fill('IE6388047V');
  await expect(page.getByLabel(/^Tax id/)).toHaveAccessibleDescription(/country code/);
  await page.getByLabel('Address line 1').fill('1 Quay Street');
  await page.getByLabel('Postal code').fill('D02 XY45');
  await page.getByLabel('City').fill('Dublin');
  await page.getByLabel('Country code').fill('IE');
  const einvoicing = page.getByRole('group', { name: 'E-invoicing' });
  await einvoicing.getByLabel(/^Company registration number/).fill('IE 512345');
  await einvoicing.getByLabel(/^Scheme/).fill('0088');
  await einvoicing.getByLabel(/^Id in the scheme/).fill('5391234567891');
  await einvoicing.getByLabel(/^Contact name/).fill('Orla Byrne');
  await einvoicing.getByLabel(/^Contact email/).fill('accounts@harbour-lights.example');
  // A mistyped IBAN is caught before sending; the IBAN asks for the password.
  await einvoicing.getByLabel(/^IBAN/).fill('IE29 AIBK 9311 5212 3456 79');
  await einvoicing.getByLabel(/^BIC/).fill('aibkie2d');
  await expect(page.getByRole('group', { name: 'Confirm it is you' })).toBeVisible();
  await page.getByLabel(/^Your password/).fill(owner.password);
  await page.getByRole('button', { name: 'Save settings' }).click();
  await expect(einvoicing.getByLabel(/^IBAN/)).toHaveAccessibleDescription(/check digits do not match/);
  await einvoicing.getByLabel(/^IBAN/).fill('IE29 AIBK 9311 5212 3456 78');
  await expectAccessible(page);
  await einvoicing.scrollIntoViewIfNeeded();
  await screenshots(page, 'settings-einvoicing');
  await page.getByRole('button', { name: 'Save settings' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'The settings are saved.' })).toBeVisible();
  await expect(einvoicing.getByLabel(/^IBAN/)).toHaveValue('IE29AIBK93115212345678');
  await expect(einvoicing.getByLabel(/^BIC/)).toHaveValue('AIBKIE2D');

  // The draft: an exempt line with its reason, and the customer's order number.
  await page.goto(`/invoices/${draft.id}`);
  await page.getByRole('link', { name: 'Edit draft' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Edit draft invoice' })).toBeVisible();
  await page.getByLabel('Purchase order number').fill(`PO-${stamp}`);
  await page.getByRole('button', { name: 'Add line' }).click();
  await expect(page.getByRole('combobox', { name: 'Item, line 2' })).toBeFocused();
  await page.keyboard.type('Exam fee');
  await page.getByRole('textbox', { name: 'Unit price, line 2' }).fill('50');
  await page.getByRole('textbox', { name: 'Tax rate, line 2' }).fill('19');
  await page.getByRole('combobox', { name: 'VAT category, line 2' }).selectOption('E');
  await expect(page.getByRole('textbox', { name: 'Tax rate, line 2' })).toHaveAccessibleDescription(/has a tax rate of 0/);
  await page.getByRole('textbox', { name: 'Tax rate, line 2' }).fill('0');
  await page.getByRole('combobox', { name: 'VAT category, line 2' }).focus();
  await page.keyboard.press('Tab');
  await expect(page.getByRole('textbox', { name: 'Exemption reason, line 2' })).toBeFocused();
  await page.keyboard.type('VATEX-EU-132-1I');
  await expectAccessible(page);
  await screenshots(page, 'invoice-edit-vat-category');
  await page.getByRole('button', { name: 'Save changes' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Your changes are saved.' })).toBeVisible();
  await expect(page.getByText('Purchase order').locator('xpath=following-sibling::dd[1]')).toHaveText(`PO-${stamp}`);

  // Issuing is refused: the customer has no billing address (BR-10), with a link to it.
  await page.getByRole('button', { name: 'Issue invoice' }).click();
  const problem = page.getByRole('alert').filter({ hasText: 'The invoice was not issued.' });
  await expect(problem).toContainText('BR-10');
  await expect(problem).toContainText('needs the buyer\'s postal address');
  await expect(page.getByRole('button', { name: 'Issue invoice' })).toBeVisible();
  await expectAccessible(page);
  await screenshots(page, 'invoice-einvoice-refused');
  await problem.getByRole('link', { name: `Go to the customer ${customer.name}` }).click();

  // The link opens the customer with the billing address's first field focused.
  await expect(page.getByRole('heading', { level: 1, name: customer.name })).toBeVisible();
  const line1 = page.getByRole('textbox', { name: 'Address line 1' });
  await expect(line1).toBeFocused();
  await line1.fill('Hafenstraße 12');
  await page.getByRole('textbox', { name: 'Postal code' }).fill('20457');
  await page.getByRole('textbox', { name: 'City' }).fill('Hamburg');
  await page.getByRole('textbox', { name: 'Country' }).fill('DE');
  await page.getByRole('combobox', { name: 'Electronic address scheme' }).fill('9930');
  await page.getByRole('textbox', { name: 'Electronic address id' }).fill('DE811907980');
  await expectAccessible(page);
  await page.getByRole('button', { name: 'Save changes' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Your changes are saved.' })).toBeVisible();
  await expect(page.getByText('9930: DE811907980')).toBeVisible();
  await screenshots(page, 'customer-einvoicing');

  // Now it is issued, and its e-invoices download.
  await page.goto(`/invoices/${draft.id}`);
  await page.getByRole('button', { name: 'Issue invoice' }).click();
  await expect(page.getByRole('status').filter({ hasText: /is issued as INV-\d{4}-\d+/ })).toBeVisible();
  const heading = page.getByRole('heading', { level: 1, name: /^INV-\d{4}-\d+/ });
  const number = ((await heading.textContent()) ?? '').match(/INV-\d{4}-\d+/)?.[0] ?? '';
  expect(number).not.toBe('');

  const ubl = page.waitForEvent('download');
  await page.getByRole('button', { name: 'Download UBL' }).click();
  const ublFile = await ubl;
  expect(ublFile.suggestedFilename()).toBe(`${number}.ubl.xml`);
  const ublXml = readFileSync(await ublFile.path(), 'utf8');
  expect(ublXml).toContain(number);
  expect(ublXml).toContain('VATEX-EU-132-1I');
  expect(ublXml).toContain(`PO-${stamp}`);
  expect(ublXml).toContain('IE29AIBK93115212345678');
  await expect(page.getByRole('status').filter({ hasText: `downloaded as ${number}.ubl.xml` })).toBeVisible();

  const cii = page.waitForEvent('download');
  await page.getByRole('button', { name: 'Download CII' }).click();
  const ciiFile = await cii;
  expect(ciiFile.suggestedFilename()).toBe(`${number}.cii.xml`);
  expect(readFileSync(await ciiFile.path(), 'utf8')).toContain(number);
  await expectAccessible(page);
  await page.getByRole('region', { name: 'PDF and e-invoice' }).scrollIntoViewIfNeeded();
  await screenshots(page, 'invoice-einvoice-downloads');
  await page.setViewportSize({ width: 390, height: 844 });
  await screenshots(page, 'invoice-einvoice-downloads-phone');
});
