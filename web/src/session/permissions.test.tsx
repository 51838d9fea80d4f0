import { screen } from '@testing-library/react';
import { describe, expect, it } from 'vitest';

import { fakeSession, renderWithProviders } from '../test/utils';
import { Can, RequirePermission } from './permissions';

describe('permissions', () => {
  it('<Can> renders its children only with the permission', async () => {
    renderWithProviders(
      <>
        <Can permission="customers:write">
          <button type="button">New customer</button>
        </Can>
        <Can permission="customers:read">
          <p>Customer list</p>
        </Can>
      </>,
      { session: fakeSession({ permissions: ['customers:read'] }) },
    );
    expect(await screen.findByText('Customer list')).toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'New customer' })).not.toBeInTheDocument();
  });

  it('<Can> hides everything while signed out', async () => {
    renderWithProviders(
      <>
        <p>Shown</p>
        <Can permission="customers:read">
          <p>Hidden</p>
        </Can>
      </>,
      { session: fakeSession({ status: 'anonymous', me: null }) },
    );
    expect(await screen.findByText('Shown')).toBeInTheDocument();
    expect(screen.queryByText('Hidden')).not.toBeInTheDocument();
  });

  it('<RequirePermission> explains a deep link the user may not open', async () => {
    renderWithProviders(
      <RequirePermission permission="users:manage">
        <h1>Users</h1>
      </RequirePermission>,
      { session: fakeSession({ permissions: ['customers:read'] }) },
    );
    expect(await screen.findByRole('heading', { name: 'You are not allowed to see this page' })).toBeInTheDocument();
    expect(screen.queryByRole('heading', { name: 'Users' })).not.toBeInTheDocument();
  });
});
