import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { createBrowserRouter, RouterProvider, useLocation, type RouteObject } from 'react-router';
import type { ReactNode } from 'react';

import { ApiError } from './api/problem';
import type { Me, Permission } from './api/types';
import { takeOverEarlyQueries } from './boot';
import { ErrorBoundary, RouteError } from './components/ErrorBoundary';
import { Skeleton } from './components/Skeleton';
import { loadLayout, notFoundPage, pages, publicPages, type PageEntry } from './routes';
import { session } from './session/core';
import { meQuery } from './session/me';
import { RequirePermission } from './session/permissions';
import { SessionProvider } from './session/SessionProvider';

/** Each page: its permission guard and an error boundary that resets on navigation. */
function PageFrame({ permission, children }: { permission?: Permission | undefined; children: ReactNode }) {
  const location = useLocation();
  return (
    <RequirePermission permission={permission}>
      <ErrorBoundary key={location.key}>{children}</ErrorBoundary>
    </RequirePermission>
  );
}

export function toRoute(entry: PageEntry): RouteObject {
  return {
    path: entry.path,
    ErrorBoundary: RouteError,
    // In parallel with `lazy`, and without holding the navigation: the data goes to the query
    // cache, where the page finds it.
    ...(entry.query && {
      loader: ({ request }: { request: Request }) => {
        prefetchPage(entry, new URL(request.url));
        return null;
      },
    }),
    lazy: async () => {
      const { default: Page } = await entry.load();
      return {
        Component: () => (
          <PageFrame permission={entry.permission}>
            <Page />
          </PageFrame>
        ),
      };
    },
  };
}

/** Shown while the first page's code loads. */
function FirstLoad() {
  return (
    <main id="main" className="page page-message">
      <Skeleton lines={4} />
    </main>
  );
}

export const routes: RouteObject[] = [
  ...publicPages.map((p) => ({ ...toRoute(p), HydrateFallback: FirstLoad })),
  {
    lazy: async () => ({ Component: (await loadLayout()).Layout }),
    ErrorBoundary: RouteError,
    HydrateFallback: FirstLoad,
    children: [...pages, notFoundPage].map(toRoute),
  },
];

export function createQueryClient(): QueryClient {
  return new QueryClient({
    defaultOptions: {
      queries: {
        staleTime: 30_000,
        // Retry network and server failures, never a 4xx (it would answer the same).
        retry: (count, error) => count < 2 && !(error instanceof ApiError && error.status >= 400 && error.status < 500),
      },
      mutations: { retry: false },
    },
  });
}

const queryClient = createQueryClient();
// What src/boot.ts asked for before React was loaded (/auth/me, the page's first query).
takeOverEarlyQueries((query) => void queryClient.prefetchQuery(query));

/** Asks for `entry`'s first query once the session is restored, when signed in and (as far
 * as /auth/me tells already) allowed to see the page. */
function prefetchPage(entry: PageEntry, url: URL): void {
  const query = entry.query?.(url);
  if (!query) return;
  void session.start().then(() => {
    if (session.getStatus() !== 'signed-in') return;
    const me = queryClient.getQueryData<Me>(meQuery.queryKey);
    if (me && entry.permission && !me.permissions.includes(entry.permission)) return;
    void queryClient.prefetchQuery(query);
  });
}

const router = createBrowserRouter(routes);

export function App() {
  return (
    <QueryClientProvider client={queryClient}>
      <SessionProvider>
        <RouterProvider router={router} />
      </SessionProvider>
    </QueryClientProvider>
  );
}
