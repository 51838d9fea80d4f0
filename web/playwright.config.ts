import { defineConfig } from '@playwright/test';

// Run through e2e/run.mjs (npm run test:e2e), which starts the local server and sets
// E2E_BASE_URL. Debian's Chromium: `npx playwright install` cannot download browsers here.
export default defineConfig({
  testDir: './e2e',
  outputDir: './e2e-output/results',
  fullyParallel: false,
  workers: 1,
  retries: 0,
  timeout: 60_000,
  expect: { timeout: 10_000 },
  reporter: [['list'], ['json']],
  use: {
    baseURL: process.env.E2E_BASE_URL,
    launchOptions: { executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium' },
    screenshot: 'only-on-failure',
    trace: 'off',
    locale: 'en-GB',
    timezoneId: 'Europe/London',
  },
});
