import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const here = (path: string): string => fileURLToPath(new URL(path, import.meta.url));

export default defineConfig({
  resolve: {
    alias: {
      // As in Chrome's build (vite.config.ts); Firefox's adapters are tested by importing them by path.
      '#target': here('./src/platform/chrome/index.ts'),
      'webextension-polyfill': here('./test/fakes/webextension-polyfill.ts'),
    },
  },
  test: {
    include: ['test/unit/**/*.test.ts', 'src/**/*.test.ts'],
    environment: 'node',
    // Vitest's default is one worker fewer than the cores, so a 2-core machine (CI's) ran the files one by one.
    maxWorkers: Math.max(2, availableParallelism()),
    setupFiles: ['fake-indexeddb/auto', './test/setup/happy-dom-upgrades.ts'],
  },
});
