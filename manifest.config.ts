import { defineDynamicResource, defineManifest } from '@crxjs/vite-plugin';
import pkg from './package.json' with { type: 'json' };
import { GOOGLE_IMAGES_MATCHES } from './src/shared/google-domains.ts';

/** The browsers the same source is built for (`npm run build`, `npm run build:firefox`). */
export type BuildTarget = 'chrome' | 'firefox';

/** The add-on's id in Firefox (its storage, its downloads' `byExtensionId`, AMO's listing are keyed by it). */
export const GECKO_ID = 'semantest@semantest.dev';

/** A fresh object per manifest (crxjs's types want mutable arrays). */
const common = () => ({
  manifest_version: 3 as const,
  name: '__MSG_extName__',
  description: '__MSG_extDescription__',
  version: pkg.version,
  default_locale: 'en',
  icons: { 16: 'icons/icon16.png', 48: 'icons/icon48.png', 128: 'icons/icon128.png' },
  action: { default_popup: 'src/popup/index.html', default_title: '__MSG_extName__' },
  options_ui: { page: 'src/options/index.html', open_in_tab: true },
  // The worker must read the first bytes of an original on whatever host it lives, to check it is an image
  // before anything is written to disk; only the worker makes these requests.
  host_permissions: ['http://*/*', 'https://*/*'],
  content_scripts: [
    { matches: GOOGLE_IMAGES_MATCHES, js: ['src/content/index.ts'], run_at: 'document_idle' as const },
  ],
  // The content script's parts loaded on demand (src/platform/extension-module.ts): web-accessible to the Google
  // pages it runs on only (crxjs would otherwise open them to every http(s) page).
  web_accessible_resources: [
    defineDynamicResource({ matches: [...new Set(GOOGLE_IMAGES_MATCHES.map((match) => `${new URL(match.replace('*', '')).origin}/*`))] }),
  ],
  // The user can rebind it at chrome://extensions/shortcuts (Firefox: about:addons → Manage Extension Shortcuts).
  commands: {
    'download-preview': { suggested_key: { default: 'Alt+Shift+D' }, description: 'Download the original of the open preview' },
  },
  content_security_policy: { extension_pages: "script-src 'self'; object-src 'none'; base-uri 'none'" },
});

const PERMISSIONS = ['downloads', 'storage', 'alarms', 'declarativeNetRequestWithHostAccess', 'contextMenus', 'notifications'];

/** One manifest per browser; what differs is said where it differs (docs/decisions/0050-firefox-from-the-same-source.md). */
export function manifestFor(target: BuildTarget) {
  if (target === 'firefox') {
    return defineManifest({
      ...common(),
      // An event page (Firefox has no extension service workers); it has a DOM, so transfers run in it: no offscreen.
      background: { scripts: ['src/background/index.ts'], type: 'module' },
      // Firefox has no "split": private windows would share the one event page and its log on disk. Not allowed
      // there at all instead (README "Firefox").
      incognito: 'not_allowed',
      permissions: PERMISSIONS,
      browser_specific_settings: {
        // 140 (ESR): the oldest that knows data_collection_permissions (which AMO asks of new add-ons); it also has
        // MV3 event pages with module scripts, declarativeNetRequest session rules, host permissions shown at install.
        // Nothing is collected: the log stays in the browser; the outbox sends only to an address the user sets.
        gecko: { id: GECKO_ID, strict_min_version: '140.0', data_collection_permissions: { required: ['none'] } },
      },
    });
  }
  return defineManifest({
    ...common(),
    minimum_chrome_version: '120',
    background: { service_worker: 'src/background/index.ts', type: 'module' },
    // An incognito window gets its own worker and in-memory IndexedDB (README "Incognito").
    incognito: 'split',
    permissions: [...PERMISSIONS, 'offscreen'],
  });
}

export default manifestFor('chrome');
