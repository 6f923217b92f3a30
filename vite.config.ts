import { defineConfig } from 'vite';
import preact from '@preact/preset-vite';
import { crx } from '@crxjs/vite-plugin';
import manifest from './manifest.config.ts';

export default defineConfig({
  plugins: [preact(), crx({ manifest })],
  build: { target: 'chrome120', sourcemap: false, emptyOutDir: true, modulePreload: false },
  server: { cors: { origin: [/chrome-extension:\/\//] } },
});
