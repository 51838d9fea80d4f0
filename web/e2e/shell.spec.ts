// The shell: the sign-in page's weight and accessibility, signing in and out, deep links,
// the 404 page, and the session surviving a reload (the refresh cookie).
import { expect, test } from '@playwright/test';
import { gzipSync } from 'node:zlib';
import { expectAccessible, owner, screenshots } from './support';

test('the sign-in page loads at most 150 KB of JavaScript and is accessible', async ({ page }) => {
  const scripts: Buffer[] = [];
  page.on('response', async (res) => {
    if (res.request().resourceType() === 'script') scripts.push(await res.body());
  });
  await page.goto('/sign-in');
  await expect(page.getByRole('heading', { level: 1 })).toBeVisible();
  await page.waitForLoadState('networkidle');
  const gzip = scripts.reduce((n, body) => n + gzipSync(body, { level: 9 }).length, 0);
  console.log(`sign-in page: ${scripts.length} scripts, ${(gzip / 1024).toFixed(1)} KiB gzip`);
  expect(gzip).toBeLessThanOrEqual(150 * 1024);
  await expectAccessible(page);
  await screenshots(page, 'sign-in');
});

test('a deep link signs in, survives a reload, and signing out ends the session', async ({ page }) => {
  await page.goto('/no/such/page');
  await expect(page).toHaveURL(/\/sign-in/);
  await page.getByLabel('Email').fill(owner.email);
  await page.getByLabel('Password').fill(owner.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toContainText(/not found/i);
  await expectAccessible(page);
  await screenshots(page, 'not-found');
  // The access token is in memory only; a reload signs in again from the HttpOnly cookie.
  await page.goto('/');
  await expect(page.getByRole('navigation').first()).toBeVisible();
  const stored = await page.evaluate(() => JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage }));
  expect(stored).not.toMatch(/eyJ/);
  expect(await page.evaluate(() => document.cookie)).toBe('');
  await page.reload();
  await expect(page.getByRole('navigation').first()).toBeVisible();
  await expect(page).not.toHaveURL(/sign-in/);
  await screenshots(page, 'home');
  await page.getByRole('button', { name: /sign out|account|owner|administrator/i }).first().click();
  const signOut = page.getByRole('button', { name: /sign out/i }).or(page.getByRole('menuitem', { name: /sign out/i }));
  if (await signOut.count()) await signOut.first().click();
  await expect(page).toHaveURL(/\/sign-in/);
  await page.reload();
  await expect(page).toHaveURL(/\/sign-in/);
});

test('several tabs stay signed in together, and signing out in one signs out all', async ({ context }) => {
  const first = await context.newPage();
  await first.goto('/sign-in');
  await first.getByLabel('Email').fill(owner.email);
  await first.getByLabel('Password').fill(owner.password);
  await first.getByRole('button', { name: 'Sign in' }).click();
  await expect(first.getByRole('navigation', { name: 'Main' })).toBeVisible();
  // A second and a third tab open signed in, and reloading them (each restoring its session
  // while the others hold it) never ends the session: a reused refresh token would.
  const second = await context.newPage();
  await second.goto('/customers');
  await expect(second.getByRole('heading', { level: 1, name: 'Customers' })).toBeVisible();
  const third = await context.newPage();
  await third.goto('/products');
  await expect(third.getByRole('heading', { level: 1, name: 'Products' })).toBeVisible();
  await Promise.all([second.reload(), third.reload(), first.reload()]);
  for (const tab of [first, second, third]) {
    await expect(tab.getByRole('navigation', { name: 'Main' })).toBeVisible();
    await expect(tab).not.toHaveURL(/sign-in/);
  }
  // Sign out in the second tab: the others follow without a reload.
  await second.getByRole('button', { name: 'Administrator' }).click();
  await second.getByRole('button', { name: 'Sign out' }).click();
  await expect(second).toHaveURL(/\/sign-in/);
  await expect(first).toHaveURL(/\/sign-in/);
  await expect(third).toHaveURL(/\/sign-in/);
  await first.goto('/customers');
  await expect(first).toHaveURL(/\/sign-in/);
});
