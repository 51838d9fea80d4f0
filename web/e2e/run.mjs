// End-to-end run: a fresh local server (embedded store, its own data folder and free port,
// serving web/dist), then Playwright in Debian's Chromium against it. Prints
// "N passed, M failed" and exits non-zero on any failure. The server stops with this script
// (and after 30 minutes in any case).
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, existsSync, mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const web = resolve(import.meta.dirname, '..');
const repo = resolve(web, '..');
const binary = join(repo, 'target', 'debug', 'erp-local');
if (!existsSync(binary)) throw new Error(`build the local server first: cargo build -p erp-local`);
if (!existsSync(join(web, 'dist', 'index.html'))) throw new Error('build the app first: npm run build');

const port = await new Promise((done) => {
  const s = createServer();
  s.listen(0, '127.0.0.1', () => {
    const { port } = s.address();
    s.close(() => done(port));
  });
});
const data = mkdtempSync(join(tmpdir(), 'erp-e2e-'));
const base = `http://127.0.0.1:${port}`;
const admin = { email: 'owner@example.com', password: 'violet-harbour-lantern-42' };
const server = spawn('timeout', ['1800', binary], {
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
  stdio: ['ignore', 'inherit', 'inherit'],
});
const stop = () => {
  server.kill('SIGTERM');
};
process.on('exit', stop);

let up = false;
for (let i = 0; i < 100 && !up; i++) {
  try {
    up = (await fetch(`${base}/healthz`)).ok;
  } catch {
    await new Promise((r) => setTimeout(r, 100));
  }
}
if (!up) throw new Error('the local server did not start');

const out = join(web, 'e2e-output');
mkdirSync(out, { recursive: true });
const report = join(out, 'report.json');
const status = await new Promise((done) => {
  const pw = spawn(join(web, 'node_modules', '.bin', 'playwright'), ['test', ...process.argv.slice(2)], {
    cwd: web,
    env: {
      ...process.env,
      E2E_BASE_URL: base,
      E2E_DATA_DIR: data,
      E2E_ADMIN_EMAIL: admin.email,
      E2E_ADMIN_PASSWORD: admin.password,
      PLAYWRIGHT_JSON_OUTPUT_NAME: report,
    },
    stdio: 'inherit',
  });
  pw.on('exit', (code) => done(code ?? 1));
});
stop();

let passed = 0;
let failed = 0;
if (existsSync(report)) {
  const stats = JSON.parse(readFileSync(report, 'utf8')).stats ?? {};
  passed = (stats.expected ?? 0) + (stats.flaky ?? 0);
  failed = stats.unexpected ?? 0;
}
if (status !== 0 && failed === 0) failed = 1;
console.log(`${passed} passed, ${failed} failed`);
rmSync(data, { recursive: true, force: true });
process.exit(status === 0 && failed === 0 ? 0 : 1);
