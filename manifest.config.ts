import { defineDynamicResource, defineManifest } from '@crxjs/vite-plugin';
import pkg from './package.json' with { type: 'json' };
import { GOOGLE_IMAGES_MATCHES } from './src/content/google-domains.ts';

export default defineManifest({
  manifest_version: 3,
  name: '__MSG_extName__',
  description: '__MSG_extDescription__',
  version: pkg.version,
  default_locale: 'en',
  minimum_chrome_version: '120',
  icons: { 16: 'icons/icon16.png', 48: 'icons/icon48.png', 128: 'icons/icon128.png' },
  action: { default_popup: 'src/popup/index.html', default_title: '__MSG_extName__' },
  options_ui: { page: 'src/options/index.html', open_in_tab: true },
  background: { service_worker: 'src/background/index.ts', type: 'module' },
  // An incognito window gets its own worker and in-memory IndexedDB (README "Incognito").
  incognito: 'split',
  permissions: ['downloads', 'storage', 'alarms', 'declarativeNetRequestWithHostAccess', 'contextMenus', 'notifications', 'offscreen'],
  // The worker must read the first bytes of an original on whatever host it lives, to check it is an image
  // before anything is written to disk; only the worker makes these requests.
  host_permissions: ['http://*/*', 'https://*/*'],
  content_scripts: [
    { matches: GOOGLE_IMAGES_MATCHES, js: ['src/content/index.ts'], run_at: 'document_idle' },
  ],
  // The content script's parts loaded on demand (src/platform/extension-module.ts): web-accessible to the Google
  // pages it runs on only (crxjs would otherwise open them to every http(s) page).
  web_accessible_resources: [
    defineDynamicResource({ matches: [...new Set(GOOGLE_IMAGES_MATCHES.map((match) => `${new URL(match.replace('*', '')).origin}/*`))] }),
  ],
  // The user can rebind it at chrome://extensions/shortcuts.
  commands: {
    'download-preview': { suggested_key: { default: 'Alt+Shift+D' }, description: 'Download the original of the open preview' },
  },
  content_security_policy: { extension_pages: "script-src 'self'; object-src 'none'; base-uri 'none'" },
});
