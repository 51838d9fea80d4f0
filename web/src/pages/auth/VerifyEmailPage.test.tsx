import { screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';

import { fakeSession, jsonResponse, mockFetch, renderWithProviders } from '../../test/utils';
import VerifyEmailPage from './VerifyEmailPage';

const anonymous = () => fakeSession({ status: 'anonymous', me: null });
const isVerify = (req: Request) => new URL(req.url).pathname === '/api/v1/auth/register/verify';

async function setPassword(password: string, confirm = password) {
  const user = userEvent.setup();
  await user.type(await screen.findByLabelText(/^Password/), password);
  await user.type(screen.getByLabelText(/Repeat the password/), confirm);
  await user.click(screen.getByRole('button', { name: 'Set password' }));
}

describe('VerifyEmailPage', () => {
  it('checks length and confirmation before calling the API', async () => {
    const fetch = mockFetch(() => undefined);
    renderWithProviders(<VerifyEmailPage />, { session: anonymous(), path: '/verify-email?token=t1' });
    await setPassword('short', 'other');
    expect(screen.getByLabelText(/^Password/)).toHaveAccessibleDescription(/Use at least 12 characters \(this one has 5\)/);
    expect(screen.getByLabelText(/Repeat the password/)).toHaveAccessibleDescription('The two passwords are different.');
    expect(fetch).not.toHaveBeenCalled();
  });

  it('shows a weak password refused by the server next to the field', async () => {
    mockFetch((req) =>
      isVerify(req)
        ? jsonResponse({
            type: '/problems/validation', title: 'Invalid input', status: 422, detail: 'Invalid.',
            errors: [{ field: 'password', message: 'is too common' }],
          }, 422)
        : undefined,
    );
    renderWithProviders(<VerifyEmailPage />, { session: anonymous(), path: '/verify-email?token=t1' });
    await setPassword('password1234');
    expect(await screen.findByText('The password is too common.')).toBeInTheDocument();
    expect(screen.getByLabelText(/^Password/)).toHaveAttribute('aria-invalid', 'true');
  });

  it('explains an invalid or expired link and offers to register again', async () => {
    mockFetch((req) =>
      isVerify(req)
        ? jsonResponse({ type: '/problems/invalid-token', title: 'Bad request', status: 400, detail: 'The link is invalid, expired or already used.' }, 400)
        : undefined,
    );
    renderWithProviders(<VerifyEmailPage />, { session: anonymous(), path: '/verify-email?token=old' });
    await setPassword('violet-harbour-lantern');
    expect(await screen.findByRole('heading', { name: 'This link does not work' })).toBeInTheDocument();
    expect(screen.getByRole('alert')).toHaveTextContent('invalid, expired or already used');
    expect(screen.getByRole('link', { name: 'register again' })).toHaveAttribute('href', '/register');
  });

  it('says a link without a token does not work', async () => {
    mockFetch(() => undefined);
    renderWithProviders(<VerifyEmailPage />, { session: anonymous(), path: '/verify-email' });
    expect(await screen.findByRole('heading', { name: 'This link does not work' })).toBeInTheDocument();
  });

  it('sends token and password, then says the account waits for approval', async () => {
    let body: unknown;
    mockFetch((req) => {
      if (!isVerify(req)) return undefined;
      return req.json().then((json: unknown) => {
        body = json;
        return jsonResponse({ status: 'pending', detail: 'Address confirmed.' });
      });
    });
    renderWithProviders(<VerifyEmailPage />, { session: anonymous(), path: '/verify-email?token=t1' });
    await setPassword('violet-harbour-lantern');
    expect(await screen.findByRole('heading', { name: 'Waiting for approval' })).toBeInTheDocument();
    expect(body).toEqual({ token: 't1', password: 'violet-harbour-lantern' });
  });
});
