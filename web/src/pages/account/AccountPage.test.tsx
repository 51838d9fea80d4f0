import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';

import { ApiError } from '../../api/problem';
import type { Schema } from '../../api/types';
import { fakeSession, jsonResponse, mockFetch, renderWithProviders } from '../../test/utils';
import AccountPage from './AccountPage';
import { deviceName } from './SessionsSection';

const FIREFOX = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0';
const CHROME = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0 Safari/537.36';

const sessions: Schema<'SessionView'>[] = [
  { id: 's-here', created_at: '2026-03-01T09:00:00Z', last_used_at: '2026-03-02T10:00:00Z', user_agent: CHROME, ip: '10.0.0.1', current: true },
  { id: 's-other', created_at: '2026-02-20T08:00:00Z', last_used_at: null, user_agent: FIREFOX, ip: null, current: false },
];
const mfaOff: Schema<'MfaStatus'> = { enabled: false, setup_pending: false, recovery_codes_left: 0, required: false };

function api(overrides: (req: Request) => Response | Promise<Response> | undefined = () => undefined) {
  return mockFetch((req) => {
    const answer = overrides(req);
    if (answer) return answer;
    const path = new URL(req.url).pathname;
    if (path === '/api/v1/auth/sessions' && req.method === 'GET') return jsonResponse({ items: sessions });
    if (path === '/api/v1/auth/mfa' && req.method === 'GET') return jsonResponse(mfaOff);
    return undefined;
  });
}

describe('AccountPage', () => {
  it('shows the profile', async () => {
    api();
    renderWithProviders(<AccountPage />, { path: '/account' });
    expect(await screen.findByRole('heading', { level: 1, name: 'My account' })).toBeInTheDocument();
    expect(screen.getByText('Ada Lovelace')).toBeInTheDocument();
    expect(screen.getByText('ada@example.com')).toBeInTheDocument();
    expect(screen.getByText('Viewer')).toBeInTheDocument();
  });

  it('lists the sessions, marks this one and ends another', async () => {
    const fetch = api((req) =>
      req.method === 'DELETE' && new URL(req.url).pathname === '/api/v1/auth/sessions/s-other'
        ? new Response(null, { status: 204 })
        : undefined,
    );
    const signOut = vi.fn();
    renderWithProviders(<AccountPage />, { path: '/account', session: fakeSession({ signOut }) });
    const list = await screen.findByRole('list', { name: 'Signed-in sessions' });
    const items = within(list).getAllByRole('listitem');
    expect(items).toHaveLength(2);
    const [here, other] = items as [HTMLElement, HTMLElement];
    expect(within(here).getByText('This session')).toBeInTheDocument();
    expect(here).toHaveTextContent('Chrome on Linux');
    expect(within(other).queryByText('This session')).not.toBeInTheDocument();
    expect(other).toHaveTextContent('Firefox on Windows');
    await userEvent.setup().click(within(other).getByRole('button', { name: /^End session: Firefox on Windows/ }));
    expect(await screen.findByText('The session was ended.')).toBeInTheDocument();
    expect(fetch.mock.calls.some(([r]) => r instanceof Request && r.method === 'DELETE' && r.url.endsWith('/api/v1/auth/sessions/s-other'))).toBe(true);
    expect(signOut).not.toHaveBeenCalled();
  });

  it('signs out when this session is ended', async () => {
    api((req) => (req.method === 'DELETE' ? new Response(null, { status: 204 }) : undefined));
    const signOut = vi.fn().mockResolvedValue(undefined);
    renderWithProviders(<AccountPage />, { path: '/account', session: fakeSession({ signOut }) });
    await userEvent.setup().click(await screen.findByRole('button', { name: /^Sign out of this session/ }));
    await waitFor(() => expect(signOut).toHaveBeenCalled());
  });

  it('refuses a confirmation that differs, without calling the server', async () => {
    api();
    const changePassword = vi.fn();
    renderWithProviders(<AccountPage />, { path: '/account', session: fakeSession({ changePassword }) });
    const user = userEvent.setup();
    await user.type(await screen.findByLabelText(/Current password/), 'old-passphrase-here');
    await user.type(screen.getByLabelText(/^New password/), 'violet-harbour-lantern');
    await user.type(screen.getByLabelText(/Repeat the password/), 'violet-harbour-lantren');
    await user.click(screen.getByRole('button', { name: 'Change password' }));
    expect(screen.getByLabelText(/Repeat the password/)).toHaveAccessibleDescription('The two passwords are different.');
    expect(changePassword).not.toHaveBeenCalled();
  });

  it('changes the password and says the other sessions ended; a wrong current password is shown at its field', async () => {
    api();
    const changePassword = vi
      .fn()
      .mockRejectedValueOnce(new ApiError(403, { type: '/problems/wrong-password', title: 'Forbidden', status: 403, detail: 'The password is wrong.' }))
      .mockResolvedValueOnce(undefined);
    renderWithProviders(<AccountPage />, { path: '/account', session: fakeSession({ changePassword }) });
    const user = userEvent.setup();
    await user.type(await screen.findByLabelText(/Current password/), 'wrong-passphrase');
    await user.type(screen.getByLabelText(/^New password/), 'violet-harbour-lantern');
    await user.type(screen.getByLabelText(/Repeat the password/), 'violet-harbour-lantern');
    await user.click(screen.getByRole('button', { name: 'Change password' }));
    expect(await screen.findByText('The current password is wrong.')).toBeInTheDocument();
    expect(screen.getByLabelText(/Current password/)).toHaveAttribute('aria-invalid', 'true');
    await user.click(screen.getByRole('button', { name: 'Change password' }));
    expect(await screen.findByText(/You were signed out on every other device/)).toBeInTheDocument();
    expect(changePassword).toHaveBeenLastCalledWith('wrong-passphrase', 'violet-harbour-lantern');
  });

  it('sets up two-factor sign-in with a code and shows the recovery codes', async () => {
    let enabled = false;
    api((req) => {
      const path = new URL(req.url).pathname;
      if (path === '/api/v1/auth/mfa' && enabled) return jsonResponse({ ...mfaOff, enabled: true, recovery_codes_left: 2 });
      if (path === '/api/v1/auth/mfa/setup') {
        return jsonResponse({ secret: 'JBSWY3DPEHPK3PXP', otpauth_uri: 'otpauth://totp/ERP:ada?secret=JBSWY3DPEHPK3PXP', digits: 6, period: 30, algorithm: 'SHA1' });
      }
      if (path === '/api/v1/auth/mfa/enable') {
        return (async () => {
          const body = (await req.json()) as { code: string };
          if (body.code !== '123456') {
            return jsonResponse({ type: '/problems/validation', title: 'Invalid', status: 422, detail: 'x', errors: [{ field: 'code', message: 'is wrong or expired' }] }, 422);
          }
          enabled = true;
          return jsonResponse({ recovery_codes: ['aaaaa-bbbbb', 'ccccc-ddddd'] });
        })();
      }
      return undefined;
    });
    renderWithProviders(<AccountPage />, { path: '/account' });
    const user = userEvent.setup();
    await user.click(await screen.findByRole('button', { name: 'Set up two-factor sign-in' }));
    expect(await screen.findByText('JBSW Y3DP EHPK 3PXP')).toBeInTheDocument();
    const code = screen.getByLabelText(/Code from your authenticator app/);
    await user.type(code, '000000');
    await user.click(screen.getByRole('button', { name: 'Turn on' }));
    expect(await screen.findByText('The code is wrong or expired.')).toBeInTheDocument();
    await user.clear(code);
    await user.type(code, '123 456');
    await user.click(screen.getByRole('button', { name: 'Turn on' }));
    expect(await screen.findByText('aaaaa-bbbbb')).toBeInTheDocument();
    expect(await screen.findByText(/You have 2 unused recovery codes/)).toBeInTheDocument();
  });
});

describe('deviceName', () => {
  it('names browser and system', () => {
    expect(deviceName(FIREFOX)).toBe('Firefox on Windows');
    expect(deviceName(null)).toBe('Unknown device');
    expect(deviceName('curl/8.0')).toBe('curl/8.0');
  });
});
