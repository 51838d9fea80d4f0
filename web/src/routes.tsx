// The route registry: one line per page, each lazy-loaded from src/pages/<area>/ (its own
// chunk). A page module's default export is the page component.
//
//   path        absolute URL pattern (React Router), e.g. '/customers/:id'
//   permission  the page needs it: without it a deep link shows "You are not allowed to see
//               this page" (the navigation already hides the entry)
//   nav         label of the page's entry in the main navigation (list pages only), in the
//               order of this array
//
// Signed-in pages go in `pages` (inside the layout); pages for signed-out visitors (sign-in,
// password reset, registration) in `publicPages`.
import type { ComponentType } from 'react';

import type { Permission } from './api/types';

export interface PageEntry {
  path: string;
  load: () => Promise<{ default: ComponentType }>;
  permission?: Permission;
  nav?: string;
}

export const pages: PageEntry[] = [
  { path: '/', load: () => import('./pages/home/HomePage') },
  { path: '/dashboard', nav: 'Dashboard', permission: 'dashboard:read', load: () => import('./pages/dashboard/DashboardPage') },
  { path: '/customers', nav: 'Customers', permission: 'customers:read', load: () => import('./pages/customers/CustomersPage') },
  { path: '/customers/new', permission: 'customers:write', load: () => import('./pages/customers/NewCustomerPage') },
  { path: '/customers/:id', permission: 'customers:read', load: () => import('./pages/customers/CustomerPage') },
  { path: '/products', nav: 'Products', permission: 'products:read', load: () => import('./pages/products/ProductsPage') },
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
