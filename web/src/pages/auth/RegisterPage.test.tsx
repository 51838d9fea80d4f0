import { screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';

import { fakeSession, jsonResponse, mockFetch, renderWithProviders } from '../../test/utils';
import RegisterPage from './RegisterPage';

const anonymous = () => fakeSession({ status: 'anonymous', me: null });
const isRegister = (req: Request) => new URL(req.url).pathname === '/api/v1/auth/register' && req.method === 'POST';

describe('RegisterPage', () => {
  it('checks the fields before calling the API', async () => {
    const fetch = mockFetch(() => undefined);
    renderWithProviders(<RegisterPage />, { session: anonymous(), path: '/register' });
    const user = userEvent.setup();
    await user.type(await screen.findByLabelText(/Email/), 'not-an-address');
    await user.click(screen.getByRole('button', { name: 'Create account' }));
    expect(screen.getByLabelText(/Name/)).toHaveAccessibleDescription('Enter your name.');
    expect(screen.getByLabelText(/Email/)).toHaveAccessibleDescription('Enter an email address like name@example.com.');
    expect(fetch).not.toHaveBeenCalled();
  });

  it('shows the server’s field errors next to the fields', async () => {
    mockFetch((req) =>
      isRegister(req)
        ? jsonResponse({
            type: '/problems/validation', title: 'Invalid input', status: 422, detail: 'One or more fields are invalid.',
            errors: [{ field: 'email', message: 'must be an email address' }],
          }, 422)
        : undefined,
    );
    renderWithProviders(<RegisterPage />, { session: anonymous(), path: '/register' });
    const user = userEvent.setup();
    await user.type(await screen.findByLabelText(/Name/), 'Ada');
    await user.type(screen.getByLabelText(/Email/), 'ada@example.com');
    await user.click(screen.getByRole('button', { name: 'Create account' }));
    const email = screen.getByLabelText(/Email/);
    await screen.findByText('The email address must be an email address.');
    expect(email).toHaveAttribute('aria-invalid', 'true');
    expect(email).toHaveAccessibleDescription('The email address must be an email address.');
  });

  it('says to check the email and what happens next', async () => {
    let body: unknown;
    mockFetch((req) => {
      if (!isRegister(req)) return undefined;
      return req.json().then((json: unknown) => {
        body = json;
        return jsonResponse({ status: 'verification-sent', detail: 'Check your inbox.' }, 202);
      });
    });
    renderWithProviders(<RegisterPage />, { session: anonymous(), path: '/register' });
    const user = userEvent.setup();
    await user.type(await screen.findByLabelText(/Name/), ' Ada Lovelace ');
    await user.type(screen.getByLabelText(/Email/), 'ada@example.com');
    await user.click(screen.getByRole('button', { name: 'Create account' }));
    expect(await screen.findByRole('heading', { name: 'Check your email' })).toBeInTheDocument();
    expect(body).toEqual({ name: 'Ada Lovelace', email: 'ada@example.com' });
    expect(screen.getByText(/administrator reviews your registration/)).toBeInTheDocument();
  });

  it('says so when registration is closed', async () => {
    mockFetch((req) =>
      isRegister(req)
        ? jsonResponse({ type: '/problems/registration-closed', title: 'Forbidden', status: 403, detail: 'Registration is by invitation only.' }, 403)
        : undefined,
    );
    renderWithProviders(<RegisterPage />, { session: anonymous(), path: '/register' });
    const user = userEvent.setup();
    await user.type(await screen.findByLabelText(/Name/), 'Ada');
    await user.type(screen.getByLabelText(/Email/), 'ada@example.com');
    await user.click(screen.getByRole('button', { name: 'Create account' }));
    expect(await screen.findByRole('heading', { name: 'Registration is closed' })).toBeInTheDocument();
    expect(screen.getByText(/by invitation only/)).toBeInTheDocument();
  });
});
