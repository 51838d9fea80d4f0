import { screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';

import { fakeSession, jsonResponse, mockFetch, renderWithProviders } from '../../test/utils';
import ForgotPasswordPage from './ForgotPasswordPage';

const anonymous = () => fakeSession({ status: 'anonymous', me: null });
const isRequest = (req: Request) => new URL(req.url).pathname === '/api/v1/auth/password-reset/request';

async function ask(email: string) {
  const user = userEvent.setup();
  await user.type(await screen.findByLabelText(/Email/), email);
  await user.click(screen.getByRole('button', { name: 'Send the link' }));
}

describe('ForgotPasswordPage', () => {
  it('asks for an email address before calling the API', async () => {
    const fetch = mockFetch(() => undefined);
    renderWithProviders(<ForgotPasswordPage />, { session: anonymous(), path: '/forgot-password' });
    await userEvent.setup().click(await screen.findByRole('button', { name: 'Send the link' }));
    expect(screen.getByLabelText(/Email/)).toHaveAccessibleDescription('Enter your email address.');
    expect(fetch).not.toHaveBeenCalled();
  });

  it('gives the same answer whether or not the address has an account', async () => {
    mockFetch((req) => (isRequest(req) ? jsonResponse({ status: 'accepted', detail: 'If…' }, 202) : undefined));
    renderWithProviders(<ForgotPasswordPage />, { session: anonymous(), path: '/forgot-password' });
    await ask('nobody@example.com');
    expect(await screen.findByRole('status')).toHaveTextContent('If nobody@example.com has an account, we have sent it a link');
  });

  it('says when to try again after too many requests', async () => {
    mockFetch((req) =>
      isRequest(req)
        ? jsonResponse({ type: '/problems/too-many-requests', title: 'Too many requests', status: 429, detail: 'Too many.' }, 429, { 'Retry-After': '30' })
        : undefined,
    );
    renderWithProviders(<ForgotPasswordPage />, { session: anonymous(), path: '/forgot-password' });
    await ask('ada@example.com');
    expect(await screen.findByRole('alert')).toHaveTextContent('Too many requests. Try again in 30 seconds.');
  });
});
