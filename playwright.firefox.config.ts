import { defineConfig } from '@playwright/test';

// The Firefox end-to-end suite (test/e2e-firefox): Playwright's runner, Debian's Firefox ESR driven by
// puppeteer-core over WebDriver BiDi (Playwright's own Firefox build cannot be installed here). One worker: one
// Firefox for the whole suite.
export default defineConfig({
  testDir: 'test/e2e-firefox',
  workers: 1,
  fullyParallel: false,
  timeout: 90_000,
  expect: { timeout: 15_000 },
  reporter: [['list']],
  outputDir: 'test-results/firefox',
});
