import { defineConfig } from 'vite';
import preact from '@preact/preset-vite';
import { crx } from '@crxjs/vite-plugin';
import manifest from './manifest.config.ts';
import { popupHead } from './scripts/vite-popup-head.ts';

export default defineConfig({
  plugins: [preact(), crx({ manifest }), popupHead({ page: 'src/popup/index.html', firstScreen: { entry: 'src/popup/first-screen.tsx', jsxRuntime: 'src/popup/dom-jsx.ts' } })],
  build: {
    target: 'chrome120',
    sourcemap: false,
    emptyOutDir: true,
    modulePreload: false,
    // Pages the manifest does not name: the offscreen transfer document (src/platform/transfer-document.ts).
    rolldownOptions: { input: { offscreen: 'src/offscreen/index.html' } },
  },
  server: { cors: { origin: [/chrome-extension:\/\//] } },
});
