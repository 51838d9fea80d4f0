// Benchmark of the line editor (not a test): a fresh local server like e2e/run.mjs, a
// 500-line order created through the API, then in headless Chromium: the time from
// navigation to the editor being ready (500 rows and the totals rendered), and the time from
// a keystroke in a quantity to the total's text changing (median of 20). Prints the figures.
//   npm run build && node e2e/bench-editor.mjs
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium } from '@playwright/test';

const web = resolve(import.meta.dirname, '..');
const binary = join(web, '..', 'target', 'debug', 'erp-local');
if (!existsSync(binary)) throw new Error('build the local server first: cargo build -p erp-local');
if (!existsSync(join(web, 'dist', 'index.html'))) throw new Error('build the app first: npm run build');

const port = await new Promise((done) => {
  const s = createServer();
  s.listen(0, '127.0.0.1', () => {
    const { port } = s.address();
    s.close(() => done(port));
  });
});
const data = mkdtempSync(join(tmpdir(), 'erp-bench-'));
const base = `http://127.0.0.1:${port}`;
const admin = { email: 'owner@example.com', password: 'violet-harbour-lantern-42' };
const server = spawn('timeout', ['600', binary], {
  env: {
    ...process.env, PORT: String(port), ERP_DATA_DIR: data, ERP_WEB_DIR: join(web, 'dist'), ERP_PUBLIC_URL: base,
    ERP_ADMIN_EMAIL: admin.email, ERP_ADMIN_PASSWORD: admin.password, ERP_LOG: 'warn',
  },
  stdio: ['ignore', 'inherit', 'inherit'],
});
const cleanup = () => {
  server.kill('SIGTERM');
  rmSync(data, { recursive: true, force: true });
};
process.on('exit', () => server.kill('SIGTERM'));

async function call(method, path, token, body) {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
  return text ? JSON.parse(text) : undefined;
}

let up = false;
for (let i = 0; i < 100 && !up; i++) {
  try {
    up = (await fetch(`${base}/healthz`)).ok;
  } catch {
    await new Promise((r) => setTimeout(r, 100));
  }
}
if (!up) throw new Error('the local server did not start');

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

try {
  const { access_token: token } = await call('POST', '/api/v1/auth/login', null, admin);
  const customer = await call('POST', '/api/v1/customers', token, { name: 'Bench Customer', currency: 'EUR' });
  const lines = Array.from({ length: 500 }, (_, i) => ({
    description: `Benchmark line ${i + 1} with a description of moderate length`,
    quantity: String(1 + (i % 7)), unit_price: 995 + i, tax_rate: ['20', '7', '0'][i % 3],
    discount: i % 5 === 0 ? { type: 'percent', value: '10' } : null,
  }));
  const order = await call('POST', '/api/v1/orders', token, { customer_id: customer.id, lines });

  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', headless: true });
  const page = await browser.newPage({ locale: 'en-GB' });
  await page.goto(`${base}/sign-in`);
  await page.getByLabel('Email').fill(admin.email);
  await page.getByLabel('Password').fill(admin.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL((u) => !u.pathname.startsWith('/sign-in'));

  // Open: from the navigation to the 500th row and the totals on screen (warm app shell).
  const opens = [];
  const allRows = [];
  const fetches = [];
  for (let run = 0; run < 5; run++) {
    await page.goto(`${base}/`);
    await page.getByRole('navigation').getByRole('link', { name: 'Orders' }).waitFor();
    const t0 = await page.evaluate(() => performance.now());
    await page.evaluate((id) => {
      window.history.pushState({}, '', `/orders/${id}`);
      window.dispatchEvent(new PopStateEvent('popstate'));
    }, order.id);
    // Ready: the first rows and the totals (of all 500 lines) are on screen and editable.
    await page.waitForFunction(
      () => !!document.querySelector('input[aria-label="Quantity, line 1"]') && !!document.querySelector('[data-total="total"]'),
      null,
      { polling: 'raf', timeout: 30_000 },
    );
    const t1 = await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => setTimeout(() => r(performance.now()), 0))));
    opens.push(t1 - t0);
    // Every row in the page (the rest render in a transition after the first screen).
    await page.waitForFunction(() => !!document.querySelector('input[aria-label="Quantity, line 500"]'), null, { polling: 'raf', timeout: 30_000 });
    const t2 = await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => setTimeout(() => r(performance.now()), 0))));
    allRows.push(t2 - t0);
    const api = await page.evaluate((id) => {
      const e = performance.getEntriesByType('resource').filter((x) => x.name.endsWith(`/api/v1/orders/${id}`)).at(-1);
      return e ? { start: e.startTime, end: e.responseEnd } : null;
    }, order.id);
    if (api) fetches.push({ wait: api.start - t0, fetch: api.end - api.start, render: t2 - api.end });
  }
  // A full page load too (cold: the session is restored, then the order is fetched).
  const c0 = Date.now();
  await page.goto(`${base}/orders/${order.id}`);
  await page.locator('input[aria-label="Quantity, line 500"]').waitFor({ timeout: 30_000 });
  const coldLoad = Date.now() - c0;

  // Keystrokes: type a digit in a quantity and time until the total's text changes, in the
  // page (a MutationObserver on the total, the keystroke dispatched by Playwright).
  const input = page.locator('input[aria-label="Quantity, line 250"]');
  await input.click();
  await input.press('End');
  const keys = [];
  for (let i = 0; i < 20; i++) {
    await page.evaluate(() => {
      const el = document.querySelector('[data-total="total"]');
      const before = el.textContent;
      window.__bench = new Promise((resolveTime) => {
        const start = performance.now();
        window.__benchStart = start;
        const obs = new MutationObserver(() => {
          if (el.textContent !== before) {
            obs.disconnect();
            resolveTime(performance.now() - start);
          }
        });
        obs.observe(el, { characterData: true, childList: true, subtree: true });
      });
    });
    await page.keyboard.press(i % 2 ? 'Backspace' : '3');
    const ms = await page.evaluate(() => window.__bench);
    keys.push(ms);
  }
  const frame = await page.evaluate(
    () => new Promise((r) => {
      const el = document.querySelector('input[aria-label="Quantity, line 250"]');
      const total = document.querySelector('[data-total="total"]');
      const before = total.textContent;
      const t0 = performance.now();
      el.focus();
      const setter = Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value').set;
      setter.call(el, `${el.value}9`);
      el.dispatchEvent(new Event('input', { bubbles: true }));
      const check = () => (total.textContent !== before ? r(performance.now() - t0) : requestAnimationFrame(check));
      check();
    }),
  );
  await browser.close();

  console.log('Line editor benchmark (500 lines, headless Chromium, production build)');
  console.log(`  open (in-app navigation until the editor is ready: first rows + totals of all lines), median of 5: ${median(opens).toFixed(0)} ms  [${opens.map((x) => x.toFixed(0)).join(', ')}]`);
  console.log(`  all 500 rows rendered, median of 5: ${median(allRows).toFixed(0)} ms  [${allRows.map((x) => x.toFixed(0)).join(', ')}]`);
  console.log(`    of which: before the request ${median(fetches.map((f) => f.wait)).toFixed(0)} ms, the API answer ${median(fetches.map((f) => f.fetch)).toFixed(0)} ms, rendering all rows ${median(fetches.map((f) => f.render)).toFixed(0)} ms (medians)`);
  console.log(`  open (full page load incl. session restore): ${coldLoad} ms`);
  console.log(`  keystroke in a quantity -> total updated, median of 20: ${median(keys).toFixed(1)} ms  (max ${Math.max(...keys).toFixed(1)})`);
  console.log(`  programmatic input event -> total updated: ${frame.toFixed(1)} ms`);
  console.log(`  budgets: open < 1000 ms, keystroke < 50 ms`);
} finally {
  cleanup();
}
