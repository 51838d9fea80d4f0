// Shared pieces of the end-to-end tests: the server e2e/run.mjs started, its emails, accounts
// of each role made through the API, axe-core, and screenshots.
import { expect, type Page, type TestInfo } from '@playwright/test';
import AxeBuilder from '@axe-core/playwright';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

export const base = process.env.E2E_BASE_URL ?? 'http://127.0.0.1:3000';
export const dataDir = process.env.E2E_DATA_DIR ?? '';
export const owner = {
  email: process.env.E2E_ADMIN_EMAIL ?? 'owner@example.com',
  password: process.env.E2E_ADMIN_PASSWORD ?? '',
};

export type Role = 'admin' | 'manager' | 'accountant' | 'sales' | 'viewer';
export const roles: Role[] = ['admin', 'manager', 'accountant', 'sales', 'viewer'];

/** A unique address for one test. */
export function address(name: string): string {
  return `${name}-${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}@example.com`;
}

async function call<T>(method: string, path: string, token?: string, body?: unknown): Promise<T> {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: {
      'content-type': 'application/json',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
  return (text ? JSON.parse(text) : undefined) as T;
}

/** An access token for an account, through the API. */
export async function apiToken(email: string, password: string): Promise<string> {
  const r = await call<{ access_token: string }>('POST', '/api/v1/auth/login', undefined, { email, password });
  return r.access_token;
}

export const apiCall = call;

/** The decoded text of every email sent to `to`, oldest first. */
export function emailsTo(to: string): string[] {
  const dir = join(dataDir, 'outbox');
  let files: string[] = [];
  try {
    files = readdirSync(dir).filter((f) => f.endsWith('.eml'));
  } catch {
    return [];
  }
  return files
    .map((f) => ({ f, t: statSync(join(dir, f)).mtimeMs }))
    .sort((a, b) => a.t - b.t)
    .map(({ f }) => decodeQuotedPrintable(readFileSync(join(dir, f), 'utf8')))
    .filter((m) => new RegExp(`^To: <${to.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}>`, 'm').test(m));
}

function decodeQuotedPrintable(raw: string): string {
  const soft = raw.replace(/=\r?\n/g, '');
  const bytes: number[] = [];
  for (let i = 0; i < soft.length; i++) {
    const c = soft[i];
    if (c === '=' && /^[0-9A-F]{2}$/.test(soft.slice(i + 1, i + 3))) {
      bytes.push(parseInt(soft.slice(i + 1, i + 3), 16));
      i += 2;
    } else {
      bytes.push(...Buffer.from(c, 'utf8'));
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

/** The newest link to `path` (e.g. "/reset-password") emailed to `to`, waiting for it. */
export async function emailedLink(to: string, path: string): Promise<string> {
  const pattern = new RegExp(`${base.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}${path}\\?token=[A-Za-z0-9_-]+`, 'g');
  for (let i = 0; i < 100; i++) {
    const links = emailsTo(to).flatMap((m) => m.match(pattern) ?? []);
    if (links.length > 0) return links[links.length - 1];
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`no email to ${to} with a link to ${path}`);
}

/** A signed-up account of `role`: invited by the owner through the API, password set from
 * the emailed link. */
export async function accountWithRole(role: Role, name = `${role} user`): Promise<{ email: string; password: string }> {
  const admin = await apiToken(owner.email, owner.password);
  const email = address(role);
  await call('POST', '/api/v1/users', admin, { email, name, role });
  const link = await emailedLink(email, '/set-password');
  const token = new URL(link).searchParams.get('token');
  const password = `${role}-e2e-passphrase`;
  await call('POST', '/api/v1/auth/password-reset/confirm', undefined, { token, new_password: password });
  return { email, password };
}

/** Fills in and sends the sign-in form (the answer is the caller's to check). */
export async function fillSignIn(page: Page, who: { email: string; password: string } = owner): Promise<void> {
  await page.goto('/sign-in');
  await page.getByLabel('Email').fill(who.email);
  await page.getByLabel(/^Password/).fill(who.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

/** Signs in through the form and waits for the signed-in layout (at any width). */
export async function signIn(page: Page, who: { email: string; password: string } = owner): Promise<void> {
  await fillSignIn(page, who);
  await expect(page).not.toHaveURL(/sign-in/);
  await expect(page.getByRole('link', { name: 'Skip to main content' })).toBeAttached();
}

/** A request with headers of its own (e.g. If-Match): the JSON answer and its ETag. */
export async function apiRequest(
  method: string,
  path: string,
  token: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<{ etag: string; data: Record<string, unknown> }> {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
  return { etag: res.headers.get('etag') ?? '', data: (text ? JSON.parse(text) : undefined) as Record<string, unknown> };
}

/**
 * The company has what an EN 16931 invoice needs of its seller (legal name, address, VAT id),
 * without which no invoice is issued; the rest of its settings stay as they are.
 */
export async function sellerReady(token: string): Promise<void> {
  const current = await apiRequest('GET', '/api/v1/settings/company', token);
  const s = { ...current.data };
  if (s.legal_name && s.address && s.tax_id) return;
  delete s.logo;
  delete s.updated_at;
  delete s.version;
  await apiRequest(
    'PUT',
    '/api/v1/settings/company',
    token,
    {
      ...s,
      legal_name: s.legal_name ?? 'Harbour Lights Trading Ltd',
      address: s.address ?? { line1: '1 Quay Street', city: 'Dublin', postal_code: 'D02 XY45', country: 'IE' },
      tax_id: s.tax_id ?? 'IE6388047V',
    },
    { 'If-Match': current.etag },
  );
}

/** axe-core finds no serious or critical violation on the page as it is now. */
export async function expectAccessible(page: Page): Promise<void> {
  const results = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
  const bad = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  expect(
    bad.map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`),
  ).toEqual([]);
}

/** A screenshot under e2e-output/screenshots/, in the light and the dark theme. */
export async function screenshots(page: Page, name: string, info?: TestInfo): Promise<void> {
  const dir = join(import.meta.dirname, '..', 'e2e-output', 'screenshots');
  for (const scheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    await page.screenshot({ path: join(dir, `${name}-${scheme}.png`), fullPage: true });
  }
  await page.emulateMedia({ colorScheme: 'light' });
  void info;
}
