// The admin pages: users (invite, role, deactivate / reactivate, approve a registration),
// company settings (a field, the brand colour, a reminder, the logo), the audit trail of
// those changes, and the failed-email list; each checked with axe-core and screenshotted.
import { expect, test, type Page } from '@playwright/test';
import { deflateSync } from 'node:zlib';
import { address, apiCall, emailedLink, expectAccessible, owner, screenshots, signIn } from './support';


async function signOut(page: Page) {
  await page.locator('button[aria-controls="user-menu-panel"]').click();
  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page).toHaveURL(/\/sign-in/);
}

/** A small PNG (4 x 2 pixels, red), made here: signature, IHDR, IDAT, IEND. */
function png(width = 4, height = 2): Buffer {
  const table = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc = (b: Buffer) => {
    let c = 0xffffffff;
    for (const x of b) c = table[(c ^ x) & 0xff] ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (type: string, data: Buffer) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const sum = Buffer.alloc(4);
    sum.writeUInt32BE(crc(body));
    return Buffer.concat([len, body, sum]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 2, 0, 0, 0], 8); // 8-bit RGB
  const rows = Buffer.concat(Array.from({ length: height }, () => Buffer.concat([Buffer.from([0]), Buffer.alloc(width * 3, Buffer.from([0xcc, 0x22, 0x11]))])));
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(rows)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}
const PNG = png();

test('the admin invites a user, changes the role, deactivates and reactivates them', async ({ page }) => {
  const email = address('invitee');
  await signIn(page, { email: owner.email, password: owner.password });
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Users' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Users' })).toBeVisible();

  await page.getByRole('button', { name: 'Invite a user' }).click();
  await page.getByRole('button', { name: 'Send invitation', exact: true }).click();
  await expect(page.getByLabel(/^Email/)).toHaveAccessibleDescription('Enter the email address.');
  await page.getByLabel(/^Email/).fill(email);
  await page.getByLabel(/^Name/).fill('Ivy Invitee');
  await page.getByLabel('Role', { exact: true }).selectOption('sales');
  await expectAccessible(page);
  await page.getByRole('button', { name: 'Send invitation', exact: true }).click();
  await expect(page.getByRole('status').filter({ hasText: `An invitation was sent to ${email}` })).toBeVisible();
  await emailedLink(email, '/set-password');

  // The same address again: the error is next to the email field.
  await page.getByRole('button', { name: 'Invite a user' }).click();
  await page.getByLabel(/^Email/).fill(email);
  await page.getByLabel(/^Name/).fill('Ivy Again');
  await page.getByRole('button', { name: 'Send invitation', exact: true }).click();
  await expect(page.getByLabel(/^Email/)).toHaveAccessibleDescription(/already exists/);
  await page.getByRole('button', { name: 'Close the invitation' }).click();

  const row = page.getByRole('row').filter({ hasText: email });
  await expect(row.getByText('Invited')).toBeVisible();
  await row.getByLabel('Role of Ivy Invitee').selectOption('accountant');
  await row.getByRole('button', { name: 'Save role' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Ivy Invitee is now Accountant.' })).toBeVisible();

  // The invitation is accepted (password set from the link), so the account is active.
  const token = new URL(await emailedLink(email, '/set-password')).searchParams.get('token');
  await apiCall('POST', '/api/v1/auth/password-reset/confirm', undefined, { token, new_password: 'ivy-e2e-passphrase-1' });
  await page.reload();
  await expect(row.getByText('Active')).toBeVisible();

  await row.getByRole('button', { name: 'Deactivate Ivy Invitee' }).click();
  await expect(page.getByRole('group', { name: /Deactivate Ivy Invitee\?/ })).toBeVisible();
  await screenshots(page, 'users-confirm');
  await page.getByRole('button', { name: 'Yes, deactivate' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Ivy Invitee is deactivated' })).toBeVisible();
  await expect(row.getByText('Deactivated')).toBeVisible();
  await row.getByRole('button', { name: 'Reactivate Ivy Invitee' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Ivy Invitee is active again.' })).toBeVisible();
  await expect(row.getByText('Active')).toBeVisible();

  // The own row has no role picker and no deactivation.
  const own = page.getByRole('row').filter({ hasText: owner.email });
  await expect(own.getByRole('combobox')).toHaveCount(0);
  await expect(own.getByRole('button', { name: /Deactivate/ })).toHaveCount(0);

  await expectAccessible(page);
  await screenshots(page, 'users');
  await page.setViewportSize({ width: 390, height: 844 });
  await screenshots(page, 'users-phone');
});

test('a confirmed registration is approved with a role and can then sign in', async ({ page }) => {
  const email = address('registrant');
  const password = 'reggie-e2e-passphrase-1';
  await apiCall('POST', '/api/v1/auth/register', undefined, { email, name: 'Reggie Registrant' });
  const token = new URL(await emailedLink(email, '/verify-email')).searchParams.get('token');
  await apiCall('POST', '/api/v1/auth/register/verify', undefined, { token, password });

  await signIn(page, { email: owner.email, password: owner.password });
  await page.goto('/users');
  const pending = page.getByRole('region', { name: 'Registrations waiting for approval' });
  await expect(pending.getByText(email)).toBeVisible();
  await pending.getByLabel('Role for Reggie Registrant').selectOption('manager');
  await expectAccessible(page);
  await screenshots(page, 'users-pending');
  await pending.getByRole('button', { name: 'Approve Reggie Registrant' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Reggie Registrant is approved as Manager' })).toBeVisible();
  await expect(pending.getByText(email)).toHaveCount(0);
  await expect(page.getByRole('row').filter({ hasText: email }).getByRole('combobox')).toHaveValue('manager');

  await signOut(page);
  await signIn(page, { email, password });
  await expect(page.getByRole('button', { name: 'Reggie Registrant' })).toBeVisible();
  // A manager reads the audit trail but does not manage users.
  await expect(page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Audit trail' })).toBeVisible();
  await expect(page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Users' })).toHaveCount(0);
});

test('company settings are edited and saved, and the audit trail shows the changes', async ({ page }) => {
  await signIn(page, { email: owner.email, password: owner.password });
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Company settings' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Company settings' })).toBeVisible();

  // Client-side checks first.
  await page.getByLabel('Colour code').fill('blue');
  await page.getByRole('button', { name: 'Save settings' }).click();
  await expect(page.getByLabel('Colour code')).toHaveAccessibleDescription(/#RRGGBB/);

  await page.getByLabel(/^Company name/).fill('Harbour Lantern Ltd');
  await page.getByLabel(/^Tax id/).fill('GB123456789');
  await page.getByLabel('Colour code').fill('#aa3300');
  await expect(page.getByLabel('Colour picker')).toHaveValue('#aa3300');
  await page.getByLabel('Reminder 5: days from the due date').fill('45');
  await page.getByRole('button', { name: 'Add a reminder' }).click();
  await expect(page.getByLabel('Reminder 6: days from the due date')).toBeFocused();
  await page.getByLabel('Reminder 6: days from the due date').fill('60');
  await page.getByLabel('Reminder 6: late fee').selectOption('percent');
  await page.getByLabel('Reminder 6: fee percentage').fill('1.5');
  await page.getByLabel('Upload a logo').setInputFiles({ name: 'logo.png', mimeType: 'image/png', buffer: PNG });
  await expect(page.getByRole('img', { name: 'Preview of the new logo' })).toBeVisible();
  await expectAccessible(page);
  await screenshots(page, 'settings-edit');

  await page.getByRole('button', { name: 'Save settings' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'The settings are saved.' })).toBeVisible();
  await expect(page.getByRole('img', { name: 'The current logo' })).toBeVisible();
  await expect(page.getByText('Current logo: 4 × 2 pixels, PNG')).toBeVisible();
  await expect(page.getByLabel(/^Company name/)).toHaveValue('Harbour Lantern Ltd');
  await expect(page.getByLabel('Colour code')).toHaveValue('#AA3300');
  await expect(page.getByLabel('Reminder 5: days from the due date')).toHaveValue('45');
  const history = page.getByRole('region', { name: 'Changes to the settings' });
  await expect(history.getByText('You updated the company settings').first()).toBeVisible();

  // A bad logo: the server's message is shown next to the file field.
  await page.getByLabel('Replace the logo').setInputFiles({ name: 'bad.png', mimeType: 'image/png', buffer: Buffer.from('not an image at all') });
  await page.getByRole('button', { name: 'Save settings' }).click();
  await expect(page.getByLabel('Replace the logo')).toHaveAttribute('aria-invalid', 'true');
  await expect(page.getByLabel('Replace the logo')).toHaveAccessibleDescription(/PNG or JPEG/);
  await expectAccessible(page);
  await screenshots(page, 'settings');
  await page.setViewportSize({ width: 390, height: 844 });
  await screenshots(page, 'settings-phone');
  await page.setViewportSize({ width: 1280, height: 720 });

  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Audit trail' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Audit trail' })).toBeVisible();
  const entry = page.getByRole('listitem').filter({ hasText: 'You updated the company settings' }).first();
  await expect(entry).toContainText('brand colour: #1F4E79 → changed to #AA3300');
  await expect(entry).toContainText('company name: Harbour Lantern Ltd');
  await expect(entry).toContainText('reminder days');
  await expect(entry).toContainText('+45');
  await expect(entry).toContainText(/logo/);
  await expectAccessible(page);
  await screenshots(page, 'audit');

  // Filters are in the URL: one record's history.
  await page.getByLabel('Kind of record').selectOption('settings');
  await page.getByLabel('Record id').fill('company');
  await page.getByRole('button', { name: 'Show' }).click();
  await expect(page).toHaveURL(/entity_type=settings&entity_id=company/);
  await expect(page.getByRole('listitem').filter({ hasText: 'You updated the company settings' }).first()).toBeVisible();
  await page.setViewportSize({ width: 390, height: 844 });
  await screenshots(page, 'audit-phone');
});

test('the failed-email list is accessible', async ({ page }) => {
  await signIn(page, { email: owner.email, password: owner.password });
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Failed emails' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Failed emails' })).toBeVisible();
  await expect(page.getByText(/No email failed|Retry/).first()).toBeVisible();
  await expectAccessible(page);
  await screenshots(page, 'outbox');
  await page.getByLabel('Show').selectOption('pending');
  await expect(page).toHaveURL(/status=pending/);
  await expectAccessible(page);
});
