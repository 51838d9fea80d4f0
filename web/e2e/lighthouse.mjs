// Lighthouse on the built app (see infra/bench-web.sh): performance and accessibility of the
// sign-in page and the customer list, with the JavaScript each loads, gzip-compressed.
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
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
  });
}

const out = join(web, 'e2e-output', 'lighthouse');
mkdirSync(out, { recursive: true });
// Not a dependency of the app: fetched by npx on the first run.
const lighthouse = ['--yes', 'lighthouse@12.2.3'];
const pages = [
  { name: 'sign-in', path: '/sign-in', signedIn: false },
  { name: 'customers', path: '/customers', signedIn: true },
];
const rows = [];
// Lighthouse's two presets: "mobile" (its default: a mid-range phone on slow 4G, 4x CPU
// slow-down) and "desktop" (a desktop on a fast connection).
for (const preset of ['mobile', 'desktop'])
for (const page of pages) {
  const headers = {};
  if (page.signedIn) {
    // A refresh token of its own: the app signs in from the cookie on load, as after a reload.
    const { refresh_token } = await login();
    headers.Cookie = `erp_refresh=${refresh_token}`;
  }
  const report = join(out, `${page.name}-${preset}.json`);
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
    ],
    { env: { ...process.env, CHROME_PATH: '/usr/bin/chromium' }, stdio: ['ignore', 'ignore', 'inherit'] },
  );
  const lhr = JSON.parse(readFileSync(report, 'utf8'));
  const scripts = (lhr.audits['network-requests']?.details?.items ?? []).filter((r) => r.resourceType === 'Script');
  let gzip = 0;
  for (const s of scripts) {
    const body = await (await fetch(s.url)).arrayBuffer();
    gzip += gzipSync(Buffer.from(body), { level: 9 }).length;
  }
  rows.push({
    page: page.name,
    preset,
    performance: Math.round(lhr.categories.performance.score * 100),
    accessibility: Math.round(lhr.categories.accessibility.score * 100),
    fcp: lhr.audits['first-contentful-paint'].displayValue,
    lcp: lhr.audits['largest-contentful-paint'].displayValue,
    tbt: lhr.audits['total-blocking-time'].displayValue,
    cls: lhr.audits['cumulative-layout-shift'].displayValue,
    js: `${(gzip / 1024).toFixed(1)} KiB in ${scripts.length} files`,
    final: lhr.finalDisplayedUrl,
  });
}
console.log('| page | preset | performance | accessibility | FCP | LCP | TBT | CLS | JavaScript (gzip) |');
console.log('|---|---|---|---|---|---|---|---|---|');
for (const r of rows) {
  console.log(`| ${r.page} | ${r.preset} | ${r.performance} | ${r.accessibility} | ${r.fcp} | ${r.lcp} | ${r.tbt} | ${r.cls} | ${r.js} |`);
  if (!r.final.endsWith(pages.find((p) => p.name === r.page).path)) {
    console.log(`warning: ${r.page} ended on ${r.final}`);
  }
}
server.kill('SIGTERM');
rmSync(data, { recursive: true, force: true });
