// What each of the five roles sees: the navigation entries, the write actions on the master
// data, and the "not allowed" page for a deep link to a page the role may not use.
import { expect, test } from '@playwright/test';
import { accountWithRole, expectAccessible, owner, screenshots, signIn, type Role } from './support';

const everyone = ['Dashboard', 'Customers', 'Products', 'Orders', 'Invoices', 'Payments', 'My account'];
const expected: Record<Role, { nav: string[]; newCustomer: boolean; newProduct: boolean; refused: string[] }> = {
  admin: {
    nav: [...everyone, 'Users', 'Company settings', 'Audit trail', 'Failed emails'],
    newCustomer: true,
    newProduct: true,
    refused: [],
  },
  manager: { nav: [...everyone, 'Audit trail'], newCustomer: true, newProduct: true, refused: ['/users', '/settings', '/outbox'] },
  accountant: { nav: everyone, newCustomer: false, newProduct: false, refused: ['/users', '/audit', '/customers/new'] },
  sales: { nav: everyone, newCustomer: true, newProduct: false, refused: ['/settings', '/audit', '/products/new'] },
  viewer: { nav: everyone, newCustomer: false, newProduct: false, refused: ['/users', '/customers/new', '/outbox'] },
};


for (const role of Object.keys(expected) as Role[]) {
  test(`the ${role} sees the navigation and actions of the role`, async ({ page }) => {
    const want = expected[role];
    const account = role === 'admin' ? owner : await accountWithRole(role);
    await signIn(page, { email: account.email, password: account.password });
    const nav = page.getByRole('navigation', { name: 'Main' });
    const entries = (await nav.getByRole('link').allInnerTexts()).map((t) => t.trim());
    expect([...entries].sort()).toEqual([...want.nav].sort());

    await nav.getByRole('link', { name: 'Customers' }).click();
    await expect(page.getByRole('heading', { level: 1, name: 'Customers' })).toBeVisible();
    await expect(page.getByRole('link', { name: 'New customer' })).toHaveCount(want.newCustomer ? 1 : 0);
    await nav.getByRole('link', { name: 'Products' }).click();
    await expect(page.getByRole('heading', { level: 1, name: 'Products' })).toBeVisible();
    await expect(page.getByRole('link', { name: 'New product' })).toHaveCount(want.newProduct ? 1 : 0);

    for (const path of want.refused) {
      await page.goto(path);
      await expect(page.getByRole('heading', { level: 1 })).toHaveText('You are not allowed to see this page');
    }
    if (want.refused.length > 0) {
      await expectAccessible(page);
      await screenshots(page, `not-allowed-${role}`);
    }
  });
}
