// The route registry: one line per page, each lazy-loaded from src/pages/<area>/ (its own
// chunk). A page module's default export is the page component.
//
//   path        absolute URL pattern (React Router), e.g. '/customers/:id'
//   permission  the page needs it: without it a deep link shows "You are not allowed to see
//               this page" (the navigation already hides the entry)
//   nav         label of the page's entry in the main navigation (list pages only), in the
//               order of this array
//   query       the page's first query for its URL: asked for in parallel with the page's
//               code (and on a first load with /auth/me: src/boot.ts) rather than once the
//               page has rendered; the page's useQuery then finds it under the same key
//
// Signed-in pages go in `pages` (inside the layout); pages for signed-out visitors (sign-in,
// password reset, registration) in `publicPages`.
import type { ComponentType } from 'react';

import type { Permission } from './api/types';
import { listQueryOf, listStateFrom } from './components/list/listState';
import { customerListQuery } from './pages/customers/queries';
import { productListQuery } from './pages/products/queries';

export interface PageEntry {
  path: string;
  load: () => Promise<{ default: ComponentType }>;
  permission?: Permission;
  nav?: string;
  query?: (url: URL) => PageQuery;
}

export interface PageQuery {
  queryKey: readonly unknown[];
  queryFn: () => Promise<unknown>;
}

const listQueryFrom = (url: URL) => listQueryOf(listStateFrom(url.searchParams));

export const pages: PageEntry[] = [
  { path: '/', load: () => import('./pages/home/HomePage') },
  { path: '/dashboard', nav: 'Dashboard', permission: 'dashboard:read', load: () => import('./pages/dashboard/DashboardPage') },
  {
    path: '/customers', nav: 'Customers', permission: 'customers:read', load: () => import('./pages/customers/CustomersPage'),
    query: (url) => customerListQuery(listQueryFrom(url)),
  },
  { path: '/customers/new', permission: 'customers:write', load: () => import('./pages/customers/NewCustomerPage') },
  { path: '/customers/:id', permission: 'customers:read', load: () => import('./pages/customers/CustomerPage') },
  {
    path: '/products', nav: 'Products', permission: 'products:read', load: () => import('./pages/products/ProductsPage'),
    query: (url) => productListQuery(listQueryFrom(url)),
  },
  { path: '/products/new', permission: 'products:write', load: () => import('./pages/products/NewProductPage') },
  { path: '/products/:id', permission: 'products:read', load: () => import('./pages/products/ProductPage') },
  { path: '/orders', nav: 'Orders', permission: 'orders:read', load: () => import('./pages/orders/OrdersPage') },
  { path: '/orders/new', permission: 'orders:write', load: () => import('./pages/orders/NewOrderPage') },
  { path: '/orders/:id', permission: 'orders:read', load: () => import('./pages/orders/OrderPage') },
  { path: '/invoices', nav: 'Invoices', permission: 'invoices:read', load: () => import('./pages/invoices/InvoicesPage') },
  { path: '/invoices/new', permission: 'invoices:write', load: () => import('./pages/invoices/InvoiceEditPage') },
  { path: '/invoices/:id/edit', permission: 'invoices:write', load: () => import('./pages/invoices/InvoiceEditPage') },
  { path: '/invoices/:id', permission: 'invoices:read', load: () => import('./pages/invoices/InvoicePage') },
  { path: '/payments', nav: 'Payments', permission: 'payments:read', load: () => import('./pages/payments/PaymentsPage') },
  { path: '/users', nav: 'Users', permission: 'users:manage', load: () => import('./pages/users/UsersPage') },
  { path: '/settings', nav: 'Company settings', permission: 'settings:manage', load: () => import('./pages/settings/SettingsPage') },
  { path: '/audit', nav: 'Audit trail', permission: 'audit:read', load: () => import('./pages/audit/AuditPage') },
  { path: '/outbox', nav: 'Failed emails', permission: 'settings:manage', load: () => import('./pages/outbox/OutboxPage') },
  { path: '/account', nav: 'My account', load: () => import('./pages/account/AccountPage') },
];

export const publicPages: PageEntry[] = [
  { path: '/sign-in', load: () => import('./pages/auth/SignInPage') },
  { path: '/register', load: () => import('./pages/auth/RegisterPage') },
  { path: '/verify-email', load: () => import('./pages/auth/VerifyEmailPage') },
  { path: '/forgot-password', load: () => import('./pages/auth/ForgotPasswordPage') },
  { path: '/reset-password', load: () => import('./pages/auth/ResetPasswordPage') },
  { path: '/set-password', load: () => import('./pages/auth/SetPasswordPage') },
];

/** Shown for any URL no page matches. */
export const notFoundPage: PageEntry = { path: '*', load: () => import('./pages/errors/NotFoundPage') };

/** The signed-in pages' shell (header, navigation). */
export const loadLayout = () => import('./layout/Layout');

/**
 * The page of `pages` a path shows, or undefined: the same choice as the router's for these
 * patterns (a static segment before a parameter). Only for starting the page's download and
 * data before the router runs (src/boot.ts): a wrong answer costs a download, nothing more.
 */
export function matchPage(pathname: string): PageEntry | undefined {
  const parts = pathname.split('/').filter(Boolean);
  let best: PageEntry | undefined;
  let bestScore = -1;
  for (const page of pages) {
    const pattern = page.path.split('/').filter(Boolean);
    if (pattern.length !== parts.length) continue;
    let score = 0;
    const matches = pattern.every((segment, i) => {
      if (segment.startsWith(':')) return true;
      score += 1;
      return segment === parts[i];
    });
    if (matches && score > bestScore) {
      best = page;
      bestScore = score;
    }
  }
  return best;
}
