import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';

import { fakeSession, jsonResponse, mockFetch, renderWithProviders } from '../../test/utils';
import ResetPasswordPage from './ResetPasswordPage';
import SetPasswordPage from './SetPasswordPage';

const anonymous = () => fakeSession({ status: 'anonymous', me: null });
const isConfirm = (req: Request) => new URL(req.url).pathname === '/api/v1/auth/password-reset/confirm';

async function choose(password: string, confirm = password, button = 'Change password') {
  const user = userEvent.setup();
  await user.type(await screen.findByLabelText(/^(New password|Password)/), password);
  await user.type(screen.getByLabelText(/Repeat the password/), confirm);
  await user.click(screen.getByRole('button', { name: button }));
}

describe('ResetPasswordPage', () => {
  it('sets the new password and goes on to sign-in with a notice', async () => {
    let body: unknown;
    mockFetch((req) => {
      if (!isConfirm(req)) return undefined;
      return req.json().then((json: unknown) => {
        body = json;
        return new Response(null, { status: 204 });
      });
    });
    const { router } = renderWithProviders(<ResetPasswordPage />, { session: anonymous(), path: '/reset-password?token=abc' });
    await choose('violet-harbour-lantern');
    await waitFor(() => expect(router.state.location.pathname).toBe('/sign-in'));
    expect(body).toEqual({ token: 'abc', new_password: 'violet-harbour-lantern' });
    expect((router.state.location.state as { notice: string }).notice).toMatch(/Sign in with the new password/);
  });

  it('checks the confirmation', async () => {
    const fetch = mockFetch(() => undefined);
    renderWithProviders(<ResetPasswordPage />, { session: anonymous(), path: '/reset-password?token=abc' });
    await choose('violet-harbour-lantern', 'violet-harbour-lanterns');
    expect(screen.getByLabelText(/Repeat the password/)).toHaveAccessibleDescription('The two passwords are different.');
    expect(fetch).not.toHaveBeenCalled();
  });

  it('shows the server’s password rule next to the field', async () => {
    mockFetch((req) =>
      isConfirm(req)
        ? jsonResponse({
            type: '/problems/validation', title: 'Invalid input', status: 422, detail: 'Invalid.',
            errors: [{ field: 'new_password', message: 'must not contain the email address' }],
          }, 422)
        : undefined,
    );
    renderWithProviders(<ResetPasswordPage />, { session: anonymous(), path: '/reset-password?token=abc' });
    await choose('ada-lovelace-password');
    expect(await screen.findByText('The password must not contain the email address.')).toBeInTheDocument();
    expect(screen.getByLabelText(/^New password/)).toHaveAttribute('aria-invalid', 'true');
  });

  it('explains a used or expired link and links to a new one', async () => {
    mockFetch((req) =>
      isConfirm(req)
        ? jsonResponse({ type: '/problems/invalid-token', title: 'Bad request', status: 400, detail: 'The link is invalid, expired or already used.' }, 400)
        : undefined,
    );
    renderWithProviders(<ResetPasswordPage />, { session: anonymous(), path: '/reset-password?token=used' });
    await choose('violet-harbour-lantern');
    expect(await screen.findByRole('heading', { name: 'This link does not work' })).toBeInTheDocument();
    expect(screen.getByRole('link', { name: 'Request a new link' })).toHaveAttribute('href', '/forgot-password');
  });
});

describe('SetPasswordPage', () => {
  it('welcomes the invited user and goes on to sign-in', async () => {
    mockFetch((req) => (isConfirm(req) ? new Response(null, { status: 204 }) : undefined));
    const { router } = renderWithProviders(<SetPasswordPage />, { session: anonymous(), path: '/set-password?token=inv' });
    expect(await screen.findByRole('heading', { name: 'Welcome — choose your password' })).toBeInTheDocument();
    await choose('violet-harbour-lantern', undefined, 'Set password');
    await waitFor(() => expect(router.state.location.pathname).toBe('/sign-in'));
  });
});
