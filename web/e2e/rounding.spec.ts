// The client's totals module against the live server: the same cases as the unit tests
// (src/components/lines/cases.ts), as orders created through the API in customers of each
// currency (EUR, JPY, KWD), with the server's rounding rule (half_up by default) and, on a
// second server started here with ERP_ROUNDING=half_even, the other rule. Line amounts (with
// the tax of each rate shared out as the server does) and document totals must be equal to
// the minor unit.
import { expect, test } from '@playwright/test';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

import { CASES } from '../src/components/lines/cases';
import { allocateTax, computeTotals, priceLine, type LineAmounts, type Rounding } from '../src/components/lines/totals';
import { base, owner } from './support';

interface ServerOrder {
  lines: { gross: number; discount_amount: number; net: number; tax: number; total: number }[];
  totals: { subtotal: number; discount: number; tax: number; total: number };
}

async function call<T>(url: string, method: string, path: string, token: string | null, body?: unknown): Promise<T> {
  const res = await fetch(`${url}${path}`, {
    method,
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
  return JSON.parse(text) as T;
}

/** Creates every case as an order on the server at `url` and compares it with the module. */
async function compare(url: string, email: string, password: string, expectedRounding: Rounding) {
  const { access_token: token } = await call<{ access_token: string }>(url, 'POST', '/api/v1/auth/login', null, { email, password });
  const me = await call<{ company: { rounding: Rounding } }>(url, 'GET', '/api/v1/auth/me', token);
  expect(me.company.rounding).toBe(expectedRounding);
  const rounding = me.company.rounding;
  const stamp = Date.now().toString(36);
  const customers: Record<string, string> = {};
  for (const currency of ['EUR', 'JPY', 'KWD']) {
    const c = await call<{ id: string }>(url, 'POST', '/api/v1/customers', token, { name: `Rounding ${currency} ${stamp}`, currency });
    customers[currency] = c.id;
  }
  const mismatches: string[] = [];
  for (const c of CASES) {
    const order = await call<ServerOrder>(url, 'POST', '/api/v1/orders', token, {
      customer_id: customers[c.currency],
      lines: c.lines.map((l, i) => ({ description: `${c.name} ${i + 1}`, ...l })),
    });
    const t = computeTotals(c.lines, rounding);
    const mine = { subtotal: t.subtotal, discount: t.discount, tax: t.tax, total: t.total };
    if (JSON.stringify(mine) !== JSON.stringify(order.totals)) {
      mismatches.push(`${c.name} (${c.currency}, ${rounding}): client ${JSON.stringify(mine)} server ${JSON.stringify(order.totals)}`);
    }
    const priced = c.lines.map((l) => priceLine(l, rounding));
    const shared = priced.every((p) => p.ok)
      ? allocateTax(priced.map((p, i) => ({ amounts: (p as { amounts: LineAmounts }).amounts, rate: c.lines[i].tax_rate })), rounding)
      : [];
    c.lines.forEach((_l, i) => {
      const s = order.lines[i];
      const a = shared[i] ?? null;
      if (!a || !s || a.gross !== s.gross || a.discount_amount !== s.discount_amount || a.net !== s.net || a.tax !== s.tax || a.total !== s.total) {
        mismatches.push(`${c.name} line ${i + 1} (${rounding}): client ${JSON.stringify(a)} server ${JSON.stringify(s)}`);
      }
    });
  }
  expect(mismatches).toEqual([]);
}

test('the client’s totals equal the server’s with its rounding rule', async () => {
  const me = await call<{ access_token: string }>(base, 'POST', '/api/v1/auth/login', null, owner);
  const { company } = await call<{ company: { rounding: Rounding } }>(base, 'GET', '/api/v1/auth/me', me.access_token);
  await compare(base, owner.email, owner.password, company.rounding);
});

test.describe('with the other rounding rule', () => {
  let server: ChildProcess | null = null;
  let url = '';
  let data = '';
  const admin = { email: 'owner@example.com', password: 'amber-rounding-lantern-77' };
  const binary = resolve(import.meta.dirname, '..', '..', 'target', 'debug', 'erp-local');

  test.beforeAll(async () => {
    test.skip(!existsSync(binary), 'the local server binary is not built');
    const port = await new Promise<number>((done) => {
      const s = createServer();
      s.listen(0, '127.0.0.1', () => {
        const a = s.address();
        const p = typeof a === 'object' && a ? a.port : 0;
        s.close(() => done(p));
      });
    });
    data = mkdtempSync(join(tmpdir(), 'erp-rounding-'));
    url = `http://127.0.0.1:${port}`;
    server = spawn('timeout', ['600', binary], {
      env: {
        ...process.env, PORT: String(port), ERP_DATA_DIR: data, ERP_PUBLIC_URL: url, ERP_ADMIN_EMAIL: admin.email,
        ERP_ADMIN_PASSWORD: admin.password, ERP_LOG: 'warn', ERP_ROUNDING: 'half_even',
      },
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    for (let i = 0; i < 100; i++) {
      try {
        if ((await fetch(`${url}/healthz`)).ok) return;
      } catch {
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    throw new Error('the half_even server did not start');
  });

  test.afterAll(() => {
    server?.kill('SIGTERM');
    if (data) rmSync(data, { recursive: true, force: true });
  });

  test('half_even: the client’s totals equal the server’s', async () => {
    await compare(url, admin.email, admin.password, 'half_even');
  });
});
