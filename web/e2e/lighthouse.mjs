// Lighthouse on the built app (see infra/bench-web.sh): performance and accessibility of the
// sign-in page and the customer list, with the JavaScript each loads, gzip-compressed.
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';

const web = resolve(import.meta.dirname, '..');
const repo = resolve(web, '..');
const port = await new Promise((done) => {
  const s = createServer();
  s.listen(0, '127.0.0.1', () => {
    const { port } = s.address();
    s.close(() => done(port));
  });
});
const data = mkdtempSync(join(tmpdir(), 'erp-lighthouse-'));
const base = `http://127.0.0.1:${port}`;
const admin = { email: 'owner@example.com', password: 'violet-harbour-lantern-42' };
const server = spawn('timeout', ['900', join(repo, 'target', 'debug', 'erp-local')], {
  env: {
    ...process.env,
    PORT: String(port),
    ERP_DATA_DIR: data,
    ERP_WEB_DIR: join(web, 'dist'),
    ERP_PUBLIC_URL: base,
    ERP_ADMIN_EMAIL: admin.email,
    ERP_ADMIN_PASSWORD: admin.password,
    ERP_LOG: 'warn',
  },
  stdio: 'ignore',
});
process.on('exit', () => server.kill('SIGTERM'));
for (let i = 0; i < 100; i++) {
  try {
    if ((await fetch(`${base}/healthz`)).ok) break;
  } catch {
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function api(method, path, token, body) {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
  return res.json();
}
const login = () => api('POST', '/api/v1/auth/login', undefined, admin);
const { access_token } = await login();
for (let i = 0; i < 60; i++) {
  await api('POST', '/api/v1/customers', access_token, {
    name: `Customer ${String(i).padStart(2, '0')} Ltd`,
    email: `billing${i}@customer${i}.example`,
    billing_address: { line1: `${i + 1} Quay Street`, city: 'Dublin', postal_code: 'D02', country: 'IE' },
  });
}
// What an EN 16931 invoice needs of the seller: no invoice is issued without it.
const settings = await fetch(`${base}/api/v1/settings/company`, { headers: { authorization: `Bearer ${access_token}` } });
const put = await fetch(`${base}/api/v1/settings/company`, {
  method: 'PUT',
  headers: { authorization: `Bearer ${access_token}`, 'content-type': 'application/json', 'if-match': settings.headers.get('etag') },
  body: JSON.stringify({
    legal_name: 'Harbour Lights Trading Ltd',
    address: { line1: '1 Quay Street', city: 'Dublin', postal_code: 'D02', country: 'IE' },
    tax_id: 'IE6388047V',
  }),
});
if (!put.ok) throw new Error(`PUT settings: ${put.status} ${await put.text()}`);

// An issued invoice with a payment, for the invoice page and the dashboard's figures.
const customers = await api('GET', '/api/v1/customers?limit=1', access_token);
const customerId = customers.items[0].id;
const invoice = await api('POST', '/api/v1/invoices', access_token, {
  customer_id: customerId,
  lines: [
    { description: 'Consulting', quantity: '4', unit_price: 2500, tax_rate: '20' },
    { description: 'Travel', quantity: '1', unit_price: 2000, tax_rate: '0' },
  ],
});
await api('POST', `/api/v1/invoices/${invoice.id}/issue`, access_token, {});
await api('POST', `/api/v1/invoices/${invoice.id}/payments`, access_token, { amount: 5000, method: 'bank_transfer' });

const out = join(web, 'e2e-output', 'lighthouse');
mkdirSync(out, { recursive: true });
// Not a dependency of the app: fetched by npx on the first run.
const lighthouse = ['--yes', 'lighthouse@12.2.3'];
const pages = [
  { name: 'sign-in', path: '/sign-in', signedIn: false },
  { name: 'customers', path: '/customers', signedIn: true },
  { name: 'dashboard', path: '/dashboard', signedIn: true },
  { name: 'invoice', path: `/invoices/${invoice.id}`, signedIn: true },
];
/** Lighthouse's CPU slow-down for a host of this benchmark index, as its CPU throttling
 * calculator computes it (docs/throttling.md, "CPU Throttling"): the mobile preset's 4x
 * assumes a fast desktop host (index about 1500); on a slower host 4x emulates a much slower
 * phone, and Lighthouse warns "The tested device appears to have a slower CPU". */
function calibratedMultiplier(benchmarkIndex) {
  if (benchmarkIndex >= 1300) return 3 + (benchmarkIndex - 1300) / 233;
  if (benchmarkIndex >= 800) return 2 + (benchmarkIndex - 800) / 500;
  if (benchmarkIndex >= 150) return 1 + (benchmarkIndex - 150) / 650;
  return 1;
}

async function run(page, preset, name, extra = []) {
  const headers = {};
  if (page.signedIn) {
    // A refresh token of its own: the app signs in from the cookie on load, as after a reload.
    const { refresh_token } = await login();
    headers.Cookie = `erp_refresh=${refresh_token}`;
  }
  const report = join(out, `${page.name}-${name}.json`);
  execFileSync(
    'npx',
    [
      ...lighthouse,
      `${base}${page.path}`,
      '--quiet',
      '--only-categories=performance,accessibility',
      '--output=json',
      `--output-path=${report}`,
      '--chrome-flags=--headless=new --no-sandbox --disable-gpu',
      `--extra-headers=${JSON.stringify(headers)}`,
      ...(preset === 'desktop' ? ['--preset=desktop'] : []),
      ...extra,
    ],
    { env: { ...process.env, CHROME_PATH: '/usr/bin/chromium' }, stdio: ['ignore', 'ignore', 'inherit'] },
  );
  return JSON.parse(readFileSync(report, 'utf8'));
}

async function scriptsGzip(lhr) {
  const scripts = (lhr.audits['network-requests']?.details?.items ?? []).filter((r) => r.resourceType === 'Script');
  let gzip = 0;
  for (const s of scripts) {
    const body = await (await fetch(s.url)).arrayBuffer();
    gzip += gzipSync(Buffer.from(body), { level: 9 }).length;
  }
  return `${(gzip / 1024).toFixed(1)} KiB in ${scripts.length} files`;
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const seconds = (ms) => `${(ms / 1000).toFixed(1)} s`;
const millis = (ms) => `${Math.round(ms / 10) * 10} ms`;
const range = (xs, f = String) => (Math.min(...xs) === Math.max(...xs) ? f(xs[0]) : `${f(Math.min(...xs))}–${f(Math.max(...xs))}`);

/** `runs` Lighthouse runs of one page with one preset: the median of each figure, and the
 * range of the scores (this host is shared: one run alone can be off by several points). */
async function row(page, preset, label, name, extra = []) {
  const lhrs = [];
  for (let i = 0; i < runs; i++) lhrs.push(await run(page, preset, `${name}-${i + 1}`, extra));
  const figure = (id) => lhrs.map((l) => l.audits[id].numericValue);
  const performance = lhrs.map((l) => Math.round(l.categories.performance.score * 100));
  const accessibility = lhrs.map((l) => Math.round(l.categories.accessibility.score * 100));
  return {
    page: page.name,
    preset: label,
    performance: `${median(performance)} (${range(performance)})`,
    accessibility: range(accessibility),
    fcp: seconds(median(figure('first-contentful-paint'))),
    lcp: seconds(median(figure('largest-contentful-paint'))),
    tbt: `${millis(median(figure('total-blocking-time')))} (${range(figure('total-blocking-time'), millis)})`,
    cls: String(Math.round(median(figure('cumulative-layout-shift')) * 1000) / 1000),
    js: await scriptsGzip(lhrs[0]),
    finals: lhrs.map((l) => l.finalDisplayedUrl),
    lhrs,
  };
}

// LIGHTHOUSE_RUNS (default 3) runs per page and preset; LIGHTHOUSE_PAGES and
// LIGHTHOUSE_PRESETS (comma-separated names) pick some of them.
const runs = Math.max(1, Number(process.env.LIGHTHOUSE_RUNS ?? 3));
const only = (env, all) => (process.env[env] ? all.filter((x) => process.env[env].split(',').includes(x.name ?? x)) : all);
const chosen = only('LIGHTHOUSE_PAGES', pages);
const presets = only('LIGHTHOUSE_PRESETS', ['mobile', 'calibrated', 'desktop']);

const rows = [];
const loadAtStart = loadavg()[0];
// The mobile preset as Lighthouse ships it (4x CPU slow-down), which also measures this
// host's benchmark index; then the mobile preset with the slow-down calibrated for this host;
// then the desktop preset.
const indexes = [];
if (presets.includes('mobile') || presets.includes('calibrated')) {
  for (const page of chosen) {
    const r = await row(page, 'mobile', 'mobile, 4x CPU', 'mobile-4x');
    indexes.push(...r.lhrs.map((l) => l.environment.benchmarkIndex));
    if (presets.includes('mobile')) rows.push(r);
  }
}
const benchmarkIndex = indexes.length ? median(indexes) : NaN;
const multiplier = calibratedMultiplier(benchmarkIndex);
if (presets.includes('calibrated')) {
  for (const page of chosen) {
    rows.push(await row(page, 'mobile', `mobile, ${multiplier.toFixed(1)}x CPU`, 'mobile-calibrated', [`--throttling.cpuSlowdownMultiplier=${multiplier.toFixed(2)}`]));
  }
}
if (presets.includes('desktop')) {
  for (const page of chosen) rows.push(await row(page, 'desktop', 'desktop', 'desktop'));
}
if (indexes.length) {
  console.log(
    `Host benchmark index ${Math.round(benchmarkIndex)} (median; ${range(indexes.map(Math.round))}; Lighthouse's 4x assumes about 1500): calibrated slow-down ${multiplier.toFixed(2)}x.`,
  );
}
console.log(
  `Median of ${runs} run${runs === 1 ? '' : 's'} per row; performance and TBT also as their range. ` +
    `Load average ${loadAtStart.toFixed(1)} at the start, ${loadavg()[0].toFixed(1)} at the end (${cpus().length} CPUs): ` +
    'other work on the host slows the page and Lighthouse counts it.',
);
console.log('| page | preset | performance | accessibility | FCP | LCP | TBT | CLS | JavaScript (gzip) |');
console.log('|---|---|---|---|---|---|---|---|---|');
for (const r of rows) {
  console.log(`| ${r.page} | ${r.preset} | ${r.performance} | ${r.accessibility} | ${r.fcp} | ${r.lcp} | ${r.tbt} | ${r.cls} | ${r.js} |`);
  const path = pages.find((p) => p.name === r.page).path;
  for (const final of r.finals) if (!final.endsWith(path)) console.log(`warning: ${r.page} ended on ${final}`);
}
server.kill('SIGTERM');
rmSync(data, { recursive: true, force: true });
