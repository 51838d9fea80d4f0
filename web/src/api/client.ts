// The typed API client. Paths in the generated schema already start with `/api/v1`, so the
// base URL is the origin (the app and the API share it).
//
//   const { data, error, response } = await api.GET('/api/v1/customers/{id}', { params: { path: { id } } });
//   const customer = await unwrap(api.GET('/api/v1/customers/{id}', { params: { path: { id } } }));
//
// Every request carries `Authorization: Bearer <access token>`; a 401 refreshes the session
// once (shared by concurrent requests) and retries the request once.
import createClient, { type Middleware } from 'openapi-fetch';

import { session as defaultSession, type BrowserSession } from '../session/core';
import type { paths } from './schema';

type TokenSource = Pick<BrowserSession, 'accessToken' | 'recoverFrom401'>;

/** The auth routes manage tokens themselves (no bearer, no retry). */
const isAuthFlow = (url: string) => /\/api\/v1\/auth\/(login|refresh|logout)(\/|$|\?)/.test(new URL(url).pathname);

export function authMiddleware(source: TokenSource): Middleware {
  const pending = new WeakMap<Request, { retry: Request; token: string | null }>();
  return {
    onRequest({ request }) {
      if (isAuthFlow(request.url)) return undefined;
      const token = source.accessToken();
      if (token) request.headers.set('Authorization', `Bearer ${token}`);
      // A copy made before the body is sent, to retry after a 401.
      pending.set(request, { retry: request.clone(), token });
      return request;
    },
    async onResponse({ request, response, options }) {
      const entry = pending.get(request);
      pending.delete(request);
      if (!entry || response.status !== 401) return undefined;
      if (!(await source.recoverFrom401(entry.token))) return undefined;
      const token = source.accessToken();
      if (token) entry.retry.headers.set('Authorization', `Bearer ${token}`);
      return options.fetch(entry.retry);
    },
  };
}

export function createApiClient(source: TokenSource = defaultSession, baseUrl = globalThis.location?.origin ?? '') {
  const client = createClient<paths>({
    baseUrl,
    // Late-bound so tests can stub `fetch`.
    fetch: (request: Request) => globalThis.fetch(request),
    credentials: 'same-origin',
  });
  client.use(authMiddleware(source));
  return client;
}

/** The app's API client. */
export const api = createApiClient();
