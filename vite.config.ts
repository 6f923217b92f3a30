import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import preact from '@preact/preset-vite';
import { crx } from '@crxjs/vite-plugin';
import { manifestFor, type BuildTarget } from './manifest.config.ts';
import { popupHead } from './scripts/vite-popup-head.ts';

/**
 * `vite build` builds Chrome's `dist/`; `vite build --mode firefox` builds Firefox's `dist-firefox/` from the same
 * source. Where the browsers differ, `#target` names the adapters of one of them (src/platform/chrome/ or
 * src/platform/firefox/), chosen here and nowhere else.
 */
export default defineConfig(({ mode }) => {
  const target: BuildTarget = mode === 'firefox' ? 'firefox' : 'chrome';
  return {
    plugins: [
      preact(),
      crx({ manifest: manifestFor(target), browser: target }),
      popupHead({ page: 'src/popup/index.html', firstScreen: { entry: 'src/popup/first-screen.tsx', jsxRuntime: 'src/popup/dom-jsx.ts' } }),
    ],
    resolve: { alias: { '#target': fileURLToPath(new URL(`./src/platform/${target}/index.ts`, import.meta.url)) } },
    build: {
      outDir: target === 'firefox' ? 'dist-firefox' : 'dist',
      // Firefox 140 (ESR, the manifest's strict_min_version) runs what Chrome 120 runs of this source.
      target: target === 'firefox' ? 'firefox140' : 'chrome120',
      sourcemap: false,
      emptyOutDir: true,
      modulePreload: false,
      // Pages the manifest does not name: Chrome's offscreen transfer document (src/platform/chrome/offscreen-transfer.ts).
      // Firefox's event page runs the transfers itself.
      rolldownOptions: target === 'chrome' ? { input: { offscreen: 'src/offscreen/index.html' } } : {},
    },
    server: { cors: { origin: [/chrome-extension:\/\//, /moz-extension:\/\//] } },
  };
});
