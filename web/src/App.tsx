import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { createBrowserRouter, RouterProvider, useLocation, type RouteObject } from 'react-router';
import type { ReactNode } from 'react';

import { ApiError } from './api/problem';
import type { Permission } from './api/types';
import { ErrorBoundary, RouteError } from './components/ErrorBoundary';
import { Skeleton } from './components/Skeleton';
import { notFoundPage, pages, publicPages, type PageEntry } from './routes';
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
    lazy: async () => ({ Component: (await import('./layout/Layout')).Layout }),
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
