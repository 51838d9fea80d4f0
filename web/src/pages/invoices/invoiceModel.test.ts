import { describe, expect, it } from 'vitest';

import type { Permission } from '../../api/types';
import { invoice, issued } from './fixtures';
import { actionsFor } from './invoiceModel';

// The permissions of each role (shared/src/auth/roles.rs).
const roles: Record<string, Permission[]> = {
  viewer: ['invoices:read', 'payments:read'],
  sales: ['invoices:read', 'invoices:write', 'payments:read'],
  accountant: ['invoices:read', 'invoices:write', 'invoices:issue', 'payments:read', 'payments:write'],
  manager: ['invoices:read', 'invoices:write', 'invoices:issue', 'payments:read', 'payments:write', 'payments:delete'],
};
const on = (a: ReturnType<typeof actionsFor>) => Object.entries(a).filter(([, v]) => v).map(([k]) => k).sort();

describe('actionsFor', () => {
  it.each([
    ['draft', 'accountant', invoice(), ['edit', 'issue']],
    ['draft', 'sales', invoice(), ['edit']],
    ['draft', 'viewer', invoice(), []],
    ['issued', 'accountant', issued(), ['creditNote', 'recordPayment', 'send', 'void']],
    ['issued', 'manager', issued(), ['creditNote', 'recordPayment', 'reversePayment', 'send', 'void']],
    ['issued', 'sales', issued(), []],
    ['issued', 'viewer', issued(), []],
    ['partly paid', 'accountant', issued({ status: 'partially_paid', amount_paid: 100 }), ['creditNote', 'recordPayment', 'send']],
    ['paid', 'accountant', issued({ status: 'paid', amount_paid: 8400, balance_due: 0 }), ['send']],
    ['paid', 'manager', issued({ status: 'paid', amount_paid: 8400, balance_due: 0 }), ['reversePayment', 'send']],
    ['void', 'manager', issued({ status: 'void', balance_due: 0 }), ['reversePayment']],
    ['credit note', 'manager', issued({ kind: 'credit_note', status: 'applied', number: 'CN-2026-000001' }), ['send']],
  ])('%s + %s', (_s, role, doc, expected) => {
    expect(on(actionsFor(doc, roles[role] ?? []))).toEqual(expected);
  });
});
