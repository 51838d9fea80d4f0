// The signed-out journeys (password reset, registration with approval, invitation) and My
// account (password change, sessions), through the UI and the emailed links.
import { expect, test, type Page } from '@playwright/test';
import { createHmac } from 'node:crypto';
import { accountWithRole, address, apiCall, apiToken, emailedLink, expectAccessible, fillSignIn, owner, screenshots } from './support';


/** The emailed link, opened on this app (the server's public URL is this server). */
function local(link: string): string {
  const url = new URL(link);
  return `${url.pathname}${url.search}`;
}

async function choosePassword(page: Page, password: string, confirm = password) {
  await page.getByLabel(/^(New password|Password)/).fill(password);
  await page.getByLabel('Repeat the password').fill(confirm);
}

test('password reset through the emailed link', async ({ page }) => {
  const account = await accountWithRole('viewer', 'Reset Person');
  await page.goto('/sign-in');
  await page.getByRole('link', { name: 'Forgot your password?' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Forgot your password?' })).toBeVisible();
  await page.getByRole('button', { name: 'Send the link' }).click();
  await expect(page.getByLabel('Email')).toHaveAccessibleDescription('Enter your email address.');
  await expectAccessible(page);
  await screenshots(page, 'forgot-password-error');
  await page.getByLabel('Email').fill(account.email);
  await page.getByRole('button', { name: 'Send the link' }).click();
  await expect(page.getByRole('status')).toContainText(`If ${account.email} has an account`);
  await expectAccessible(page);
  await screenshots(page, 'forgot-password-sent');

  const link = await emailedLink(account.email, '/reset-password');
  await page.goto(local(link));
  await expect(page.getByRole('heading', { level: 1, name: 'Choose a new password' })).toBeVisible();
  await choosePassword(page, 'short', 'other');
  await page.getByRole('button', { name: 'Change password' }).click();
  await expect(page.getByLabel('Repeat the password')).toHaveAccessibleDescription('The two passwords are different.');
  await expectAccessible(page);
  await screenshots(page, 'reset-password-errors');
  // The server's rule (a common password) shown at the field.
  await choosePassword(page, 'password1234');
  await page.getByRole('button', { name: 'Change password' }).click();
  await expect(page.getByText(/The password (is too common|must use at least 5 different characters)/)).toBeVisible();
  const next = 'new-reset-passphrase-9';
  await choosePassword(page, next);
  await page.getByRole('button', { name: 'Change password' }).click();
  await expect(page).toHaveURL(/\/sign-in$/);
  await expect(page.getByRole('status')).toContainText('Sign in with the new password');
  await expectAccessible(page);
  await screenshots(page, 'sign-in-after-reset');
  await page.getByLabel('Email').fill(account.email);
  await page.getByLabel(/^Password/).fill(next);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'My account' })).toBeVisible();
  await expect(page).not.toHaveURL(/sign-in/);

  // The link works once.
  await page.context().clearCookies();
  await page.goto(local(link));
  await choosePassword(page, 'another-passphrase-10');
  await page.getByRole('button', { name: 'Change password' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'This link does not work' })).toBeVisible();
  await expect(page.getByRole('link', { name: 'Request a new link' })).toBeVisible();
  await expectAccessible(page);
  await screenshots(page, 'reset-password-invalid');
});

test('register, confirm the address, wait for approval, then sign in', async ({ page }) => {
  const email = address('register');
  const password = 'registered-passphrase-7';
  await page.goto('/sign-in');
  await page.getByRole('link', { name: 'Create an account' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Create an account' })).toBeVisible();
  await page.getByRole('button', { name: 'Create account' }).click();
  await expect(page.getByLabel('Name')).toHaveAccessibleDescription('Enter your name.');
  await expectAccessible(page);
  await screenshots(page, 'register-errors');
  await page.getByLabel('Name').fill('Grace Hopper');
  await page.getByLabel('Email').fill(email);
  await page.getByRole('button', { name: 'Create account' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Check your email' })).toBeVisible();
  await expectAccessible(page);
  await screenshots(page, 'register-sent');

  const link = await emailedLink(email, '/verify-email');
  await page.goto(local(link));
  await expect(page.getByRole('heading', { level: 1, name: 'Confirm your email' })).toBeVisible();
  await expectAccessible(page);
  await screenshots(page, 'verify-email');
  await choosePassword(page, password);
  await page.getByRole('button', { name: 'Set password' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Waiting for approval' })).toBeVisible();
  await expectAccessible(page);
  await screenshots(page, 'verify-email-pending');

  // The link works once.
  await page.goto(local(link));
  await choosePassword(page, password);
  await page.getByRole('button', { name: 'Set password' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'This link does not work' })).toBeVisible();
  await expect(page.getByRole('link', { name: 'register again' })).toBeVisible();
  await expectAccessible(page);
  await screenshots(page, 'verify-email-invalid');

  await fillSignIn(page, { email, password });
  await expect(page.getByRole('alert')).toContainText('waiting for an administrator’s approval');

  const admin = await apiToken(owner.email, owner.password);
  const users = await apiCall<{ items: { id: string; email: string }[] }>('GET', '/api/v1/users?status=pending', admin);
  const pending = users.items.find((u) => u.email === email);
  if (!pending) throw new Error(`no pending user ${email}`);
  await apiCall('POST', `/api/v1/users/${pending.id}/approve`, admin, { role: 'sales' });

  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'My account' })).toBeVisible();
  await expect(page).not.toHaveURL(/sign-in/);
});

test('an invited user accepts the invitation and signs in', async ({ page }) => {
  const admin = await apiToken(owner.email, owner.password);
  const email = address('invited');
  await apiCall('POST', '/api/v1/users', admin, { email, name: 'Invited Person', role: 'viewer' });
  const link = await emailedLink(email, '/set-password');
  await page.goto(local(link));
  await expect(page.getByRole('heading', { level: 1, name: 'Welcome — choose your password' })).toBeVisible();
  await expectAccessible(page);
  await screenshots(page, 'set-password');
  await page.setViewportSize({ width: 390, height: 844 });
  await screenshots(page, 'set-password-phone');
  await page.setViewportSize({ width: 1280, height: 720 });
  const password = 'invited-passphrase-8';
  await choosePassword(page, password);
  await page.getByRole('button', { name: 'Set password' }).click();
  await expect(page).toHaveURL(/\/sign-in$/);
  await expect(page.getByRole('status')).toContainText('Your password is set');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel(/^Password/).fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'My account' })).toBeVisible();
  await expect(page).not.toHaveURL(/sign-in/);
});

test('my account: sessions, ending another one, and changing the password', async ({ page, browser }) => {
  const account = await accountWithRole('accountant', 'Account Owner');
  // A second browser signed in as the same user.
  const other = await browser.newContext();
  const otherPage = await other.newPage();
  await fillSignIn(otherPage, { email: account.email, password: account.password });
  await expect(otherPage.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'My account' })).toBeVisible();

  await fillSignIn(page, { email: account.email, password: account.password });
  await expect(page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'My account' })).toBeVisible();
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'My account' }).first().click();
  await expect(page.getByRole('heading', { level: 1, name: 'My account' })).toBeVisible();
  await expect(page.locator('#main').getByText(account.email)).toBeVisible();
  const list = page.getByRole('list', { name: 'Signed-in sessions' });
  await expect(list.getByRole('listitem')).toHaveCount(2);
  await expectAccessible(page);
  await screenshots(page, 'account');
  await page.setViewportSize({ width: 390, height: 844 });
  await screenshots(page, 'account-phone');
  await page.setViewportSize({ width: 1280, height: 720 });

  // The older session is the other browser's (it signed in first).
  await list.getByRole('listitem').last().getByRole('button', { name: /^End session/ }).click();
  await expect(page.getByText('The session was ended.')).toBeVisible();
  await expect(list.getByRole('listitem')).toHaveCount(1);
  await expect(page).toHaveURL(/\/account$/);
  // The other browser can no longer renew its session.
  await otherPage.reload();
  await expect(otherPage).toHaveURL(/\/sign-in/);
  await other.close();

  // Change the password: a mismatch first, then the change.
  const form = page.getByRole('form', { name: 'Change password' });
  await form.getByLabel('Current password').fill(account.password);
  await form.getByLabel(/^New password/).fill('changed-passphrase-11');
  await form.getByLabel('Repeat the password').fill('changed-passphrase-12');
  await form.getByRole('button', { name: 'Change password' }).click();
  await expect(form.getByLabel('Repeat the password')).toHaveAccessibleDescription('The two passwords are different.');
  await expectAccessible(page);
  await screenshots(page, 'account-password-error');
  await form.getByLabel('Repeat the password').fill('changed-passphrase-11');
  await form.getByRole('button', { name: 'Change password' }).click();
  await expect(page.getByText(/Your password is changed/)).toBeVisible();
  await expect(page).toHaveURL(/\/account$/);
  // Still signed in here, from the new session after a reload too.
  await page.reload();
  await expect(page.getByRole('heading', { level: 1, name: 'My account' })).toBeVisible();
  await expect(list.getByRole('listitem')).toHaveCount(1);
  expect(await apiToken(account.email, 'changed-passphrase-11')).toBeTruthy();
});

/** The current TOTP code of a base32 secret (RFC 6238, SHA-1, 6 digits, 30 s). */
function totp(secret: string, at = Date.now()): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  for (const c of secret.replace(/[\s=]/g, '').toUpperCase()) bits += alphabet.indexOf(c).toString(2).padStart(5, '0');
  const key = Buffer.from((bits.match(/.{8}/g) ?? []).map((b) => parseInt(b, 2)));
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(at / 1000 / 30)));
  const mac = createHmac('sha1', key).update(counter).digest();
  const offset = mac[mac.length - 1] & 0xf;
  return ((mac.readUInt32BE(offset) & 0x7fffffff) % 1_000_000).toString().padStart(6, '0');
}

test('my account: two-factor sign-in on, new recovery codes, off', async ({ page }) => {
  const account = await accountWithRole('manager', 'Two Factor');
  await fillSignIn(page, { email: account.email, password: account.password });
  await expect(page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'My account' })).toBeVisible();
  await page.goto('/account');
  const section = page.getByRole('region', { name: 'Two-factor sign-in' });
  await section.getByRole('button', { name: 'Set up two-factor sign-in' }).click();
  const secret = (await section.locator('code.secret').first().textContent()) ?? '';
  expect(secret.length).toBeGreaterThan(10);
  await section.getByRole('button', { name: 'Turn on' }).click();
  await expect(section.getByLabel(/Code from your authenticator app/)).toHaveAccessibleDescription('Enter the code from your authenticator app.');
  await expectAccessible(page);
  await screenshots(page, 'account-mfa-setup');
  await section.getByLabel(/Code from your authenticator app/).fill(totp(secret));
  await section.getByRole('button', { name: 'Turn on' }).click();
  const codes = section.getByRole('list', { name: 'Recovery codes' }).getByRole('listitem');
  await expect(codes.first()).toBeVisible();
  const first = ((await codes.first().textContent()) ?? '').trim();
  await expect(section.getByText('Two-factor sign-in is on.')).toBeVisible();
  await expectAccessible(page);
  await screenshots(page, 'account-mfa-codes');
  await section.getByRole('button', { name: 'I have saved them' }).click();

  // New recovery codes, confirmed with one of the old ones.
  await section.getByRole('button', { name: 'New recovery codes' }).click();
  await section.getByRole('button', { name: 'Use a recovery code instead' }).click();
  await section.getByLabel(/Recovery code/).fill('wrong-code0');
  await section.getByRole('button', { name: 'Get new codes' }).click();
  await expect(section.getByLabel(/Recovery code/)).toHaveAccessibleDescription('The code is wrong, expired or already used.');
  await expectAccessible(page);
  await screenshots(page, 'account-mfa-renew-error');
  await section.getByLabel(/Recovery code/).fill(first);
  await section.getByRole('button', { name: 'Get new codes' }).click();
  await expect(codes.first()).toBeVisible();
  const renewed = ((await codes.first().textContent()) ?? '').trim();
  expect(renewed).not.toBe(first);
  await section.getByRole('button', { name: 'I have saved them' }).click();

  // Off, with the password and a new recovery code.
  await section.getByRole('button', { name: 'Turn off' }).click();
  await section.getByLabel(/^Password/).fill(account.password);
  await section.getByRole('button', { name: 'Use a recovery code instead' }).click();
  await section.getByLabel(/Recovery code/).fill(renewed);
  await section.getByRole('button', { name: 'Turn off' }).click();
  await expect(section.getByText('Two-factor sign-in is off.')).toBeVisible();
  await expect(section.getByRole('button', { name: 'Set up two-factor sign-in' })).toBeVisible();
});
