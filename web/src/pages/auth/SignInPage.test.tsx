import { screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';

import { ApiError } from '../../api/problem';
import { fakeSession, renderWithProviders } from '../../test/utils';
import SignInPage, { safeNext } from './SignInPage';

const anonymous = (overrides = {}) => fakeSession({ status: 'anonymous', me: null, ...overrides });

async function fillIn(email = 'ada@example.com', password = 'secret-passphrase') {
  const user = userEvent.setup();
  await user.type(await screen.findByLabelText(/Email/), email);
  await user.type(screen.getByLabelText(/Password/), password);
  await user.click(screen.getByRole('button', { name: 'Sign in' }));
  return user;
}

describe('SignInPage', () => {
  it('shows field errors next to their fields', async () => {
    const signIn = vi.fn().mockRejectedValue(
      new ApiError(422, {
        type: '/problems/validation', title: 'Invalid input', status: 422, detail: 'One or more fields are invalid.',
        errors: [{ field: 'email', message: 'must be an email address' }],
      }),
    );
    renderWithProviders(<SignInPage />, { session: anonymous({ signIn }), path: '/sign-in' });
    await fillIn('not-an-email');
    const email = screen.getByLabelText(/Email/);
    expect(await screen.findByText('must be an email address')).toBeInTheDocument();
    expect(email).toHaveAttribute('aria-invalid', 'true');
    expect(email).toHaveAccessibleDescription('must be an email address');
    expect(screen.queryByRole('alert')).not.toBeInTheDocument();
  });

  it('asks for missing fields without calling the API', async () => {
    const signIn = vi.fn();
    renderWithProviders(<SignInPage />, { session: anonymous({ signIn }), path: '/sign-in' });
    await userEvent.setup().click(await screen.findByRole('button', { name: 'Sign in' }));
    expect(screen.getByLabelText(/Email/)).toHaveAccessibleDescription('Enter your email address.');
    expect(screen.getByLabelText(/Password/)).toHaveAccessibleDescription('Enter your password.');
    expect(signIn).not.toHaveBeenCalled();
  });

  it('shows a problem as a message', async () => {
    const signIn = vi.fn().mockRejectedValue(
      new ApiError(401, { type: '/problems/invalid-credentials', title: 'Invalid credentials', status: 401, detail: 'x' }),
    );
    renderWithProviders(<SignInPage />, { session: anonymous({ signIn }), path: '/sign-in' });
    await fillIn();
    expect(await screen.findByRole('alert')).toHaveTextContent('The email or password is wrong.');
    expect(signIn).toHaveBeenCalledWith('ada@example.com', 'secret-passphrase');
  });

  it('asks for the second factor and sends the code with the challenge', async () => {
    const signIn = vi.fn().mockResolvedValue({
      kind: 'second-factor', step: 'totp', challenge: 'ch-1', expiresIn: 300, detail: 'Enter the code of your app.',
    });
    const completeSecondFactor = vi.fn().mockResolvedValue({ recoveryCodes: [] });
    renderWithProviders(<SignInPage />, { session: anonymous({ signIn, completeSecondFactor }), path: '/sign-in' });
    const user = await fillIn();
    await user.type(await screen.findByLabelText(/Code from your authenticator app/), '123 456');
    await user.click(screen.getByRole('button', { name: 'Continue' }));
    expect(completeSecondFactor).toHaveBeenCalledWith('ch-1', { code: '123456' });
  });

  it('goes where the user was going once signed in', async () => {
    const { router } = renderWithProviders(<SignInPage />, {
      session: fakeSession(), path: '/sign-in?next=%2Fcustomers%3Fq%3Dacme', route: '/sign-in',
    });
    await vi.waitFor(() => expect(router.state.location.pathname).toBe('/customers'));
    expect(router.state.location.search).toBe('?q=acme');
  });

  it('never redirects to another site', () => {
    expect(safeNext('//evil.example')).toBe('/');
    expect(safeNext('https://evil.example')).toBe('/');
    expect(safeNext('/customers/1')).toBe('/customers/1');
  });
});
