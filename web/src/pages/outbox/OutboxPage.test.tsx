import { screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';

import type { Schema } from '../../api/types';
import { fakeSession, jsonResponse, mockFetch, renderWithProviders } from '../../test/utils';
import OutboxPage from './OutboxPage';

const failed: Schema<'OutboxView'> = {
  id: 'm1', kind: 'invite', to: 'zoe@example.com', subject: 'You are invited', status: 'failed', attempts: 5,
  created_at: '2026-11-20T09:30:00Z', last_error: 'SES: address rejected',
};

describe('OutboxPage', () => {
  it('lists failed emails and retries one, showing the result', async () => {
    let sent = false;
    const fetch = mockFetch((req) => {
      const url = new URL(req.url);
      if (url.pathname === '/api/v1/outbox') return jsonResponse({ items: sent ? [] : [failed], next_cursor: null });
      if (url.pathname === '/api/v1/outbox/m1/retry' && req.method === 'POST') {
        sent = true;
        return jsonResponse({ ...failed, status: 'sent', attempts: 1, last_error: null });
      }
      return undefined;
    });
    renderWithProviders(<OutboxPage />, { session: fakeSession({ permissions: ['settings:manage'] }), path: '/outbox' });
    expect(await screen.findByRole('rowheader', { name: 'Invitation' })).toBeInTheDocument();
    expect(screen.getByRole('cell', { name: 'zoe@example.com' })).toBeInTheDocument();
    expect(screen.getByRole('cell', { name: 'SES: address rejected' })).toBeInTheDocument();
    expect(new URL((fetch.mock.calls.at(0)?.[0] as Request).url).searchParams.get('status')).toBe('failed');
    await userEvent.setup().click(screen.getByRole('button', { name: 'Retry the invitation to zoe@example.com' }));
    expect(await screen.findByText('Invitation to zoe@example.com was sent.')).toBeInTheDocument();
    expect(await screen.findByText('No email failed. Everything was sent.')).toBeInTheDocument();
  });

  it('shows why a retry was refused', async () => {
    mockFetch((req) => {
      const url = new URL(req.url);
      if (url.pathname === '/api/v1/outbox') return jsonResponse({ items: [failed], next_cursor: null });
      if (url.pathname === '/api/v1/outbox/m1/retry')
        return jsonResponse({ type: '/problems/not-failed', title: 'Conflict', status: 409, detail: 'The message is sent, not failed.' }, 409);
      return undefined;
    });
    renderWithProviders(<OutboxPage />, { session: fakeSession({ permissions: ['settings:manage'] }), path: '/outbox' });
    await userEvent.setup().click(await screen.findByRole('button', { name: /Retry/ }));
    expect(await screen.findByRole('alert')).toHaveTextContent('The message is sent, not failed.');
  });
});
