import { act, screen } from '@testing-library/react';
import { describe, expect, it } from 'vitest';

import { fakeSession, renderWithProviders } from '../../test/utils';
import SignInPage from './SignInPage';

const anonymous = () => fakeSession({ status: 'anonymous', me: null });

describe('SignInPage links and notice', () => {
  it('links to the password reset and the registration', async () => {
    renderWithProviders(<SignInPage />, { session: anonymous(), path: '/sign-in' });
    expect(await screen.findByRole('link', { name: 'Forgot your password?' })).toHaveAttribute('href', '/forgot-password');
    expect(screen.getByRole('link', { name: 'Create an account' })).toHaveAttribute('href', '/register');
    expect(screen.queryByRole('status')).not.toBeInTheDocument();
  });

  it('shows the notice of the page that sent the user here', async () => {
    const { router } = renderWithProviders(<SignInPage />, { session: anonymous(), path: '/sign-in' });
    await screen.findByRole('heading', { name: 'Sign in' });
    await act(() => router.navigate('/sign-in', { state: { notice: 'Your password is set.' } }));
    expect(await screen.findByRole('status')).toHaveTextContent('Your password is set.');
  });
});
