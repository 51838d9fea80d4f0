// Test helpers: render with providers and a fake session, and answer fetch from a handler.
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { render } from '@testing-library/react';
import type { ReactElement } from 'react';
import { createMemoryRouter, RouterProvider } from 'react-router';
import { vi } from 'vitest';

import type { Me, Permission } from '../api/types';
import { SessionContext, type SessionValue } from '../session/context';

/** A signed-in session value (override anything, e.g. `{ signIn: vi.fn() }`). */
export function fakeSession(overrides: Partial<SessionValue> & { permissions?: Permission[] } = {}): SessionValue {
  const { permissions = [], ...rest } = overrides;
  const me: Me = {
    id: 'u1',
    email: 'ada@example.com',
    name: 'Ada Lovelace',
    role: 'viewer',
    permissions,
    company: {
      legal_name: 'Analytical Engines Ltd',
      default_currency: 'EUR',
      time_zone: 'Europe/Berlin',
      rounding: 'half_up',
      brand_colour: '#1F4E79',
    },
  };
  return {
    status: 'signed-in',
    me,
    error: null,
    retry: vi.fn(),
    signIn: vi.fn(),
    startSecondFactorSetup: vi.fn(),
    completeSecondFactor: vi.fn(),
    changePassword: vi.fn(),
    signOut: vi.fn(),
    ...rest,
  };
}

/**
 * Renders `ui` at `path` (matched by `route`, default `path`) inside a memory router, a fresh
 * query client (no retries) and the given session; `state` is the entry's history state.
 */
export function renderWithProviders(
  ui: ReactElement,
  {
    session = fakeSession(), path = '/', route, state,
  }: { session?: SessionValue; path?: string; route?: string; /** The history state of `path` (location.state). */ state?: unknown } = {},
) {
  const queryClient = new QueryClient({ defaultOptions: { queries: { retry: false }, mutations: { retry: false } } });
  const router = createMemoryRouter(
    [
      { path: route ?? path.split('?')[0], element: ui },
      { path: '*', element: <p>Elsewhere</p> },
    ],
    { initialEntries: [state === undefined ? path : { pathname: path.split(/[?#]/)[0], search: /\?[^#]*/.exec(path)?.[0] ?? '', hash: /#.*/.exec(path)?.[0] ?? '', state }] },
  );
  const result = render(
    <QueryClientProvider client={queryClient}>
      <SessionContext.Provider value={session}>
        <RouterProvider router={router} />
      </SessionContext.Provider>
    </QueryClientProvider>,
  );
  return { ...result, router, queryClient };
}

/** A JSON (or problem+json when status >= 400) response. */
export function jsonResponse(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'Content-Type': status >= 400 ? 'application/problem+json' : 'application/json', ...headers },
  });
}

/** Stubs global fetch with a handler of each Request; answers 404 problems otherwise. */
export function mockFetch(handler: (request: Request) => Response | undefined | Promise<Response | undefined>) {
  const fn = vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
    const request = input instanceof Request ? input : new Request(input, init);
    return (
      (await handler(request)) ??
      jsonResponse({ type: '/problems/not-found', title: 'Not found', status: 404, detail: 'No handler.' }, 404)
    );
  });
  vi.stubGlobal('fetch', fn);
  return fn;
}
