import { fireEvent, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

import type { Schema } from '../../api/types';
import { fakeSession, jsonResponse, mockFetch, renderWithProviders } from '../../test/utils';
import SettingsPage from './SettingsPage';

type Settings = Schema<'CompanySettings'>;
const base: Settings = {
  legal_name: 'Acme Ltd',
  address: null,
  tax_id: null,
  email_from: null,
  brand_colour: '#1F4E79',
  default_currency: 'EUR',
  time_zone: 'Europe/Berlin',
  payment_terms_days: 30,
  invoice_footer: null,
  bank_details: null,
  reminders: { enabled: true, steps: [{ days: -3 }, { days: 0 }, { days: 7 }] },
  logo: null,
  require_mfa_for_admins: false,
  updated_at: null,
  version: 3,
};
const session = () => fakeSession({ permissions: ['settings:manage'] });

function serve(put?: (body: unknown, req: Request) => Response, extra?: (req: Request) => Promise<Response | null>) {
  const puts: unknown[] = [];
  const fetch = mockFetch(async (req) => {
    const url = new URL(req.url);
    const answer = await extra?.(req);
    if (answer) return answer;
    if (url.pathname === '/api/v1/settings/company' && req.method === 'GET') return jsonResponse(base, 200, { ETag: '"3"' });
    if (url.pathname === '/api/v1/settings/company' && req.method === 'PUT') {
      const body = await req.json();
      puts.push(body);
      const logo = body.logo ? { format: 'png', width: 1, height: 1, bytes: 4, sha256: 'ab' } : null;
      return put ? put(body, req) : jsonResponse({ ...base, ...body, logo, version: 4 }, 200, { ETag: '"4"' });
    }
    if (url.pathname === '/api/v1/audit') return jsonResponse({ items: [], next_cursor: null });
    return jsonResponse({ type: '/problems/not-found', title: 'Not found', status: 404, detail: '' }, 404);
  });
  return { fetch, puts };
}

beforeEach(() => {
  vi.stubGlobal('URL', Object.assign(URL, { createObjectURL: vi.fn(() => 'blob:preview-1'), revokeObjectURL: vi.fn() }));
});
afterEach(() => vi.unstubAllGlobals());

// A large form (400 time zones): generous timeouts when the machine is busy.
describe('SettingsPage', { timeout: 20_000 }, () => {
  it('checks required fields and the colour before sending', async () => {
    const { puts } = serve();
    renderWithProviders(<SettingsPage />, { session: session(), path: '/settings' });
    const u = userEvent.setup();
    await u.clear(await screen.findByLabelText(/^Default currency/));
    const code = screen.getByLabelText('Colour code');
    await u.clear(code);
    await u.type(code, 'blue');
    await u.clear(screen.getByLabelText(/^Payment terms/));
    await u.type(screen.getByLabelText(/^Payment terms/), '400');
    await u.click(screen.getByRole('button', { name: 'Save settings' }));
    expect(screen.getByLabelText(/^Default currency/)).toHaveAccessibleDescription(expect.stringContaining('Enter the currency code, for example EUR.'));
    expect(code).toHaveAccessibleDescription('Enter a colour as #RRGGBB, for example #1F4E79.');
    expect(code).toHaveAttribute('aria-invalid', 'true');
    expect(screen.getByLabelText(/^Payment terms/)).toHaveAccessibleDescription(expect.stringContaining('from 0 to 365'));
    expect(puts).toEqual([]);
  });

  it('keeps the colour picker and the colour code in sync', async () => {
    serve();
    renderWithProviders(<SettingsPage />, { session: session(), path: '/settings' });
    const picker = await screen.findByLabelText('Colour picker');
    expect(picker).toHaveValue('#1f4e79');
    fireEvent.input(picker, { target: { value: '#aa0011' } });
    expect(screen.getByLabelText('Colour code')).toHaveValue('#AA0011');
    const u = userEvent.setup();
    await u.clear(screen.getByLabelText('Colour code'));
    await u.type(screen.getByLabelText('Colour code'), '#00ff00');
    expect(picker).toHaveValue('#00ff00');
  });

  it('sends the whole record with If-Match and shows server field errors next to fields', async () => {
    const { fetch, puts } = serve(() =>
      jsonResponse(
        {
          type: '/problems/validation', title: 'Invalid input', status: 422, detail: 'One or more fields are invalid.',
          errors: [
            { field: 'time_zone', message: 'must be an IANA time zone such as Europe/Paris' },
            { field: 'reminders.steps[1].days', message: 'two steps on the same day' },
          ],
        },
        422,
      ),
    );
    renderWithProviders(<SettingsPage />, { session: session(), path: '/settings' });
    const u = userEvent.setup();
    await u.type(await screen.findByLabelText(/^Tax id/), 'DE123');
    await u.click(screen.getByRole('button', { name: 'Save settings' }));
    expect(await screen.findByText('two steps on the same day')).toBeInTheDocument();
    expect(screen.getByLabelText('Reminder 2: days from the due date')).toHaveAccessibleDescription(expect.stringContaining('two steps on the same day'));
    expect(screen.getByLabelText(/^Time zone/)).toHaveAccessibleDescription(expect.stringContaining('must be an IANA time zone'));
    expect(puts[0]).toMatchObject({ legal_name: 'Acme Ltd', tax_id: 'DE123', brand_colour: '#1F4E79', payment_terms_days: 30, reminders: { enabled: true } });
    expect(puts[0]).not.toHaveProperty('logo');
    const put = fetch.mock.calls.map(([r]) => r as Request).find((r) => r.method === 'PUT');
    expect(put?.headers.get('If-Match')).toBe('"3"');
  });

  it('says to reload when someone else saved first', async () => {
    serve(() => jsonResponse({ type: '/problems/precondition-failed', title: 'Stale', status: 412, detail: 'changed' }, 412));
    renderWithProviders(<SettingsPage />, { session: session(), path: '/settings' });
    await userEvent.setup().click(await screen.findByRole('button', { name: 'Save settings' }));
    expect(await screen.findByRole('alert')).toHaveTextContent(/Reload them/);
    expect(screen.getByRole('button', { name: 'Reload the settings' })).toBeInTheDocument();
  });

  it('previews a chosen logo and sends it as a data URL', async () => {
    const { puts } = serve();
    renderWithProviders(<SettingsPage />, { session: session(), path: '/settings' });
    const u = userEvent.setup();
    const file = new File([new Uint8Array([0x89, 0x50, 0x4e, 0x47])], 'logo.png', { type: 'image/png' });
    await u.upload(await screen.findByLabelText('Upload a logo'), file);
    const img = await screen.findByRole('img', { name: 'Preview of the new logo' });
    expect(img).toHaveAttribute('src', 'blob:preview-1');
    await u.click(screen.getByRole('button', { name: 'Save settings' }));
    expect(await screen.findByText('The settings are saved.')).toBeInTheDocument();
    expect((puts[0] as { logo: string }).logo).toMatch(/^data:image\/png;base64,/);
  });

  it('refuses a logo that is too large', async () => {
    const { puts } = serve();
    renderWithProviders(<SettingsPage />, { session: session(), path: '/settings' });
    const u = userEvent.setup();
    const big = new File([new Uint8Array(300 * 1024)], 'big.png', { type: 'image/png' });
    await u.upload(await screen.findByLabelText('Upload a logo'), big);
    await u.click(screen.getByRole('button', { name: 'Save settings' }));
    expect(screen.getByLabelText('Upload a logo')).toHaveAccessibleDescription(expect.stringContaining('at most 256 KB'));
    expect(puts).toEqual([]);
  });

  it('adds and removes reminders', async () => {
    const { puts } = serve();
    renderWithProviders(<SettingsPage />, { session: session(), path: '/settings' });
    const u = userEvent.setup();
    await u.click(await screen.findByRole('button', { name: 'Add a reminder' }));
    const added = screen.getByLabelText('Reminder 4: days from the due date');
    expect(added).toHaveValue('14');
    expect(added).toHaveFocus();
    await u.clear(added);
    await u.type(added, '21');
    await u.selectOptions(screen.getByLabelText('Reminder 4: late fee'), 'percent');
    await u.type(screen.getByLabelText('Reminder 4: fee percentage'), '1.5');
    await u.click(screen.getByRole('button', { name: 'Remove reminder 1' }));
    expect(screen.queryByLabelText('Reminder 4: days from the due date')).not.toBeInTheDocument();
    // A duplicate day is refused before sending.
    const steps = within(screen.getByRole('group', { name: 'Payment reminders' }));
    await u.clear(steps.getByLabelText('Reminder 2: days from the due date'));
    await u.type(steps.getByLabelText('Reminder 2: days from the due date'), '0');
    await u.click(screen.getByRole('button', { name: 'Save settings' }));
    expect(steps.getByLabelText('Reminder 2: days from the due date')).toHaveAccessibleDescription(expect.stringContaining('same day'));
    expect(puts).toEqual([]);
    await u.clear(steps.getByLabelText('Reminder 2: days from the due date'));
    await u.type(steps.getByLabelText('Reminder 2: days from the due date'), '7');
    await u.click(screen.getByRole('button', { name: 'Save settings' }));
    expect(await screen.findByText('The settings are saved.')).toBeInTheDocument();
    expect((puts[0] as Schema<'SettingsRequest'>).reminders?.steps).toEqual([
      { days: 0, late_fee: null },
      { days: 7, late_fee: null },
      { days: 21, late_fee: { type: 'percent', value: '1.5' } },
    ]);
  });

  it('asks for the password when the bank details change and sends the fresh sign-in', async () => {
    const seen: Request[] = [];
    const { puts } = serve(
      (_body, req) => {
        seen.push(req);
        return jsonResponse({ ...base, bank_details: 'IBAN DE00 1234', version: 4 }, 200, { ETag: '"4"' });
      },
      async (req) => {
        if (new URL(req.url).pathname !== '/api/v1/auth/reauth') return null;
        const body = (await req.clone().json()) as { password: string };
        return body.password === 'right-one'
          ? jsonResponse({ reauth_token: 'fresh-token', expires_in: 300 })
          : jsonResponse({ type: '/problems/wrong-password', title: 'Forbidden', status: 403, detail: 'wrong' }, 403);
      },
    );
    renderWithProviders(<SettingsPage />, { session: session(), path: '/settings' });
    const u = userEvent.setup();
    await u.type(await screen.findByLabelText(/^Bank details/), 'IBAN DE00 1234');
    expect(screen.getByRole('group', { name: 'Confirm it is you' })).toBeInTheDocument();
    await u.click(screen.getByRole('button', { name: 'Save settings' }));
    expect(screen.getByLabelText(/^Your password/)).toHaveAccessibleDescription('Enter your password to confirm this change.');
    await u.type(screen.getByLabelText(/^Your password/), 'wrong-one');
    await u.click(screen.getByRole('button', { name: 'Save settings' }));
    expect(await screen.findByText('The password is wrong.')).toBeInTheDocument();
    expect(puts).toEqual([]);
    await u.clear(screen.getByLabelText(/^Your password/));
    await u.type(screen.getByLabelText(/^Your password/), 'right-one');
    await u.click(screen.getByRole('button', { name: 'Save settings' }));
    expect(await screen.findByText('The settings are saved.')).toBeInTheDocument();
    expect(seen[0]?.headers.get('X-Reauth')).toBe('fresh-token');
  });

  it('shows the e-invoicing data and sends it back on every save', async () => {
    const einvoicing: NonNullable<Settings['einvoicing']> = {
      profile: 'peppol_bis3', legal_registration_id: 'HRB 12345', electronic_address: { scheme: '0088', id: '4012345000009' },
      contact_name: 'Grace Hopper', contact_phone: '+49 30 555', contact_email: 'ap@acme.example', iban: 'DE89370400440532013000', bic: 'COBADEFFXXX',
    };
    const { puts } = serve(undefined, async (req) =>
      new URL(req.url).pathname === '/api/v1/settings/company' && req.method === 'GET'
        ? jsonResponse({ ...base, einvoicing }, 200, { ETag: '"3"' })
        : null,
    );
    renderWithProviders(<SettingsPage />, { session: session(), path: '/settings' });
    const section = within(await screen.findByRole('group', { name: 'E-invoicing' }));
    expect(section.getByLabelText(/^E-invoice format/)).toHaveValue('peppol_bis3');
    expect(section.getByLabelText(/^Company registration number/)).toHaveValue('HRB 12345');
    expect(section.getByLabelText(/^Scheme/)).toHaveValue('0088');
    expect(section.getByLabelText(/^Id in the scheme/)).toHaveValue('4012345000009');
    expect(section.getByLabelText(/^Contact name/)).toHaveValue('Grace Hopper');
    expect(section.getByLabelText(/^IBAN/)).toHaveValue('DE89370400440532013000');
    expect(section.getByLabelText(/^BIC/)).toHaveValue('COBADEFFXXX');
    expect(screen.getByLabelText(/^Tax id/)).toHaveAccessibleDescription(/VAT identifier with its country code/);
    const u = userEvent.setup();
    // A change elsewhere: the e-invoicing data goes back unchanged (an absent object clears it).
    await u.clear(section.getByLabelText(/^Contact name/));
    await u.type(section.getByLabelText(/^Contact name/), 'Ada Lovelace');
    expect(screen.queryByRole('group', { name: 'Confirm it is you' })).not.toBeInTheDocument();
    await u.click(screen.getByRole('button', { name: 'Save settings' }));
    expect(await screen.findByText('The settings are saved.')).toBeInTheDocument();
    expect((puts[0] as Schema<'SettingsRequest'>).einvoicing).toEqual({ ...einvoicing, contact_name: 'Ada Lovelace' });
  });

  it('sends a new e-invoicing section as typed, checks the IBAN, and asks for the password when it changes', async () => {
    const seen: Request[] = [];
    const { puts } = serve(
      (body, req) => {
        seen.push(req);
        return jsonResponse({ ...base, ...(body as object), version: 4 }, 200, { ETag: '"4"' });
      },
      async (req) => (new URL(req.url).pathname === '/api/v1/auth/reauth' ? jsonResponse({ reauth_token: 'fresh-token', expires_in: 300 }) : null),
    );
    renderWithProviders(<SettingsPage />, { session: session(), path: '/settings' });
    const section = within(await screen.findByRole('group', { name: 'E-invoicing' }));
    expect(section.getByLabelText(/^E-invoice format/)).toHaveValue('en16931');
    const u = userEvent.setup();
    await u.type(section.getByLabelText(/^Scheme/), 'em');
    await u.type(section.getByLabelText(/^IBAN/), 'DE89 3704 0044 0532 0130 01');
    expect(screen.getByRole('group', { name: 'Confirm it is you' })).toBeInTheDocument();
    await u.type(screen.getByLabelText(/^Your password/), 'right-one');
    await u.click(screen.getByRole('button', { name: 'Save settings' }));
    // The checks of the client: a wrong check digit, a scheme without its id.
    expect(section.getByLabelText(/^IBAN/)).toHaveAccessibleDescription(expect.stringContaining('check digits do not match'));
    expect(section.getByLabelText(/^Id in the scheme/)).toHaveAccessibleDescription(expect.stringContaining('Enter the id in that scheme'));
    expect(puts).toEqual([]);
    await u.clear(section.getByLabelText(/^IBAN/));
    await u.type(section.getByLabelText(/^IBAN/), 'de89 3704 0044 0532 0130 00');
    await u.type(section.getByLabelText(/^Id in the scheme/), 'ap@analytical.example');
    await u.type(section.getByLabelText(/^BIC/), 'cobadeffxxx');
    await u.click(screen.getByRole('button', { name: 'Save settings' }));
    expect(await screen.findByText('The settings are saved.')).toBeInTheDocument();
    expect((puts[0] as Schema<'SettingsRequest'>).einvoicing).toEqual({
      profile: 'en16931', legal_registration_id: null, electronic_address: { scheme: 'EM', id: 'ap@analytical.example' },
      contact_name: null, contact_phone: null, contact_email: null, iban: 'DE89370400440532013000', bic: 'COBADEFFXXX',
    });
    expect(seen[0]?.headers.get('X-Reauth')).toBe('fresh-token');
  });

  it('shows the server’s e-invoicing field errors next to their fields', async () => {
    serve(() =>
      jsonResponse({
        type: '/problems/validation', title: 'Invalid input', status: 422, detail: 'One or more fields are invalid.',
        errors: [{ field: 'einvoicing.electronic_address.scheme', message: 'must be an Electronic Address Scheme code such as 0088, 9925 or EM' }],
      }, 422),
    );
    renderWithProviders(<SettingsPage />, { session: session(), path: '/settings' });
    const u = userEvent.setup();
    await u.type(await screen.findByLabelText(/^Scheme/), '1234');
    await u.type(screen.getByLabelText(/^Id in the scheme/), '42');
    await u.click(screen.getByRole('button', { name: 'Save settings' }));
    expect(await screen.findByText(/must be an Electronic Address Scheme code/)).toBeInTheDocument();
    expect(screen.getByLabelText(/^Scheme/)).toHaveAttribute('aria-invalid', 'true');
  });
});
