/**
 * Least privilege, checked for both builds (Chrome's dist/, Firefox's dist-firefox/): every permission in the
 * manifest is used by code in src/platform that the build includes (an unused one fails), no permission-gated API
 * is used without its permission, host access is only what the transfer's fetch and its Referer rule need, the
 * extension-page CSP is strict, nothing evaluates strings or loads remote code, and web-accessible resources (added
 * by crxjs at build time) are the content script's chunks, on Google hosts only.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { manifestFor, type BuildTarget } from '../../manifest.config.ts';
import { GOOGLE_IMAGES_MATCHES } from '../../src/shared/google-domains.ts';

const ROOT = resolve(import.meta.dirname, '../..');

interface Manifest {
  permissions?: string[];
  optional_permissions?: string[];
  host_permissions?: string[];
  optional_host_permissions?: string[];
  content_scripts?: Array<{ matches: string[]; js?: string[] }>;
  content_security_policy?: { extension_pages?: string; sandbox?: string };
  web_accessible_resources?: Array<{ resources: string[]; matches?: string[]; extension_ids?: string[]; use_dynamic_url?: boolean }>;
  externally_connectable?: unknown;
  sandbox?: unknown;
  background?: { service_worker?: string; scripts?: string[] };
  incognito?: string;
  minimum_chrome_version?: string;
  browser_specific_settings?: { gecko?: { id?: string; strict_min_version?: string } };
}

/** The chrome.* namespace each permission unlocks; a permission missing here fails the test until it is justified. */
const API_OF: Record<string, string> = {
  downloads: 'downloads',
  storage: 'storage',
  alarms: 'alarms',
  declarativeNetRequestWithHostAccess: 'declarativeNetRequest',
  declarativeNetRequest: 'declarativeNetRequest',
  contextMenus: 'contextMenus',
  notifications: 'notifications',
  tabs: 'tabs',
  scripting: 'scripting',
  offscreen: 'offscreen',
};

/** Namespaces that need a permission (`tabs` is absent: sendMessage and onRemoved work without it). */
const GATED = ['downloads', 'storage', 'alarms', 'declarativeNetRequest', 'contextMenus', 'notifications', 'scripting', 'offscreen', 'webRequest', 'cookies', 'history', 'bookmarks', 'management', 'debugger', 'identity', 'tabCapture', 'proxy', 'privacy', 'webNavigation', 'clipboardWrite', 'clipboardRead', 'nativeMessaging', 'topSites', 'browsingData', 'pageCapture', 'desktopCapture'];

function files(dir: string, pattern: RegExp): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...files(full, pattern));
    else if (pattern.test(entry.name)) out.push(full);
  }
  return out;
}

/** Source without comments (a permission named only in a comment is not used). */
function code(path: string): string {
  return readFileSync(path, 'utf8')
    .replace(/\/\*[\s\S]*?\*\//g, '')
    .replace(/(^|[^:'"`\\])\/\/.*$/gm, '$1');
}

const TARGETS: BuildTarget[] = ['chrome', 'firefox'];
const DIST: Record<BuildTarget, string> = { chrome: 'dist', firefox: 'dist-firefox' };
/** src/platform as one build has it: the shared adapters and its own browser's folder, not the other's. */
const platformOf = (target: BuildTarget): string =>
  files(join(ROOT, 'src/platform'), /\.tsx?$/)
    .filter((path) => !TARGETS.some((other) => other !== target && path.includes(`/src/platform/${other}/`)))
    .map(code)
    .join('\n');
/** A call into a namespace, through webextension-polyfill (`browser.x.`) or Chrome's own (`chrome.x.`). */
const calls = (api: string, source: string): boolean => new RegExp(`\\b(chrome|browser)\\.${api}\\.`).test(source);
const everySource = files(join(ROOT, 'src'), /\.(tsx?|html)$/).map((path) => ({ path, text: code(path) }));

describe.each(TARGETS)('permissions (%s)', (target) => {
  const manifest = manifestFor(target) as unknown as Manifest;
  const platform = platformOf(target);

  it('every permission is one we know the API of, and that API is called in src/platform', () => {
    const permissions = [...(manifest.permissions ?? []), ...(manifest.optional_permissions ?? [])];
    expect(permissions.length).toBeGreaterThan(0);
    for (const permission of permissions) {
      const api = API_OF[permission];
      expect(api, `permission "${permission}" has no known API here: add it to API_OF and justify it in the README`).toBeDefined();
      expect(calls(api as string, platform), `permission "${permission}" is declared but ${api} is not used in src/platform`).toBe(true);
    }
  });

  it('no permission-gated API is used without its permission', () => {
    const declared = new Set((manifest.permissions ?? []).map((permission) => API_OF[permission] ?? permission));
    for (const api of GATED) {
      if (calls(api, platform)) expect(declared.has(api), `${api} is used but not declared`).toBe(true);
    }
  });

  it('host access is http(s) only, no file:, no <all_urls>, and is used by the extension (fetch of the original in its transfer document, the Referer rule)', () => {
    for (const host of manifest.host_permissions ?? []) expect(['http://*/*', 'https://*/*']).toContain(host);
    expect(manifest.optional_host_permissions ?? []).toEqual([]);
    // Saga v2: the original is fetched once, by the transfer side (Chrome's offscreen document, Firefox's event page).
    const transferSide = [...files(join(ROOT, 'src/transfer'), /\.ts$/), ...files(join(ROOT, 'src/offscreen'), /\.ts$/)].map(code).join('\n');
    expect(/\bfetch\(/.test(transferSide), 'the transfer document fetches originals').toBe(true);
    expect(calls('declarativeNetRequest', platform) && /\.declarativeNetRequest\.updateSessionRules/.test(platform)).toBe(true);
  });

  it('the content script runs on Google Images search pages only', () => {
    const matches = (manifest.content_scripts ?? []).flatMap((script) => script.matches);
    expect(matches.length).toBeGreaterThan(0);
    for (const match of matches) expect(match).toMatch(/^https:\/\/((www|images)\.)?google\.[a-z.]+\/search\*$/);
    expect(new Set(matches)).toEqual(new Set(GOOGLE_IMAGES_MATCHES));
  });

  it('nothing reaches the extension from outside: no externally_connectable, no sandbox pages', () => {
    expect(manifest.externally_connectable).toBeUndefined();
    expect(manifest.sandbox).toBeUndefined();
  });
});

describe.each(TARGETS)('no remote code, strict CSP (%s)', (target) => {
  const manifest = manifestFor(target) as unknown as Manifest;

  it('the extension-page CSP allows only the extension\'s own scripts, no plugins, no <base>', () => {
    const csp = manifest.content_security_policy?.extension_pages ?? '';
    const directives = new Map(csp.split(';').map((part) => part.trim().split(/\s+/)).filter((parts) => parts[0]).map(([name, ...values]) => [name, values]));
    expect(directives.get('script-src')).toEqual(["'self'"]);
    expect(directives.get('object-src')).toEqual(["'none'"]);
    expect(directives.get('base-uri')).toEqual(["'none'"]);
    expect(csp).not.toMatch(/unsafe-eval|unsafe-inline|wasm-unsafe-eval|https?:|data:|blob:|\*/);
    expect(manifest.content_security_policy?.sandbox).toBeUndefined();
  });

  it('no eval, new Function, string timers, importScripts or remote imports in the source', () => {
    for (const { path, text } of everySource) {
      const name = path.slice(ROOT.length + 1);
      expect(/(^|[^.\w])eval\s*\(/.test(text), `${name}: eval`).toBe(false);
      expect(/new\s+Function\s*\(/.test(text), `${name}: new Function`).toBe(false);
      expect(/set(Timeout|Interval)\s*\(\s*['"`]/.test(text), `${name}: string timer`).toBe(false);
      expect(/importScripts\s*\(/.test(text), `${name}: importScripts`).toBe(false);
      expect(/import\s*\(\s*['"`]https?:/.test(text), `${name}: remote import`).toBe(false);
      expect(/<script[^>]+src=["']?(https?:)?\/\//i.test(text), `${name}: remote script`).toBe(false);
    }
  });

  it.skipIf(!existsSync(join(ROOT, DIST[target], 'manifest.json')))('the build: no eval in the bundles; web-accessible resources are the content script\'s chunks, on Google hosts only', () => {
    const dist = join(ROOT, DIST[target]);
    const built = JSON.parse(readFileSync(join(dist, 'manifest.json'), 'utf8')) as Manifest;
    expect(built.permissions).toEqual(manifest.permissions);
    expect(built.host_permissions).toEqual(manifest.host_permissions);
    expect(built.content_security_policy).toEqual(manifest.content_security_policy);
    for (const path of files(dist, /\.js$/)) {
      const text = readFileSync(path, 'utf8');
      expect(/(^|[^.\w$])eval\s*\(|new\s+Function\s*\(/.test(text), `${path}: eval`).toBe(false);
      expect(/import\s*\(\s*['"`]https?:/.test(text), `${path}: remote import`).toBe(false);
    }
    const contentChunks = new Set((built.content_scripts ?? []).flatMap((script) => script.js ?? []));
    const googleOrigins = new Set(GOOGLE_IMAGES_MATCHES.map((match) => `${new URL(match.replace('*', '')).origin}/*`));
    for (const entry of built.web_accessible_resources ?? []) {
      expect(entry.extension_ids ?? []).toEqual([]);
      expect(entry.matches?.length).toBeGreaterThan(0);
      for (const match of entry.matches ?? []) expect(googleOrigins.has(match), `web-accessible to ${match}`).toBe(true);
      for (const resource of entry.resources) {
        expect(resource, 'only scripts the content script imports').toMatch(/^assets\/[\w.-]+\.js$/);
        // Each one is the content script's loader target or a chunk the content script's code imports.
        const loader = [...contentChunks].map((chunk) => readFileSync(join(dist, chunk), 'utf8')).join('\n');
        const imported = resource.split('/').at(-1) ?? '';
        const contentCode = [...(built.web_accessible_resources ?? []).flatMap((e) => e.resources)].map((r) => readFileSync(join(dist, r), 'utf8')).join('\n');
        expect(loader.includes(imported) || contentCode.includes(imported), `${resource} is not imported by the content script`).toBe(true);
      }
    }
  });
});

describe('one source, two manifests', () => {
  const chromeManifest = manifestFor('chrome') as unknown as Manifest;
  const firefoxManifest = manifestFor('firefox') as unknown as Manifest;

  it('Chrome: a service worker, the offscreen document, split incognito, Chrome 120+', () => {
    expect(chromeManifest.background).toEqual({ service_worker: 'src/background/index.ts', type: 'module' });
    expect(chromeManifest.permissions).toContain('offscreen');
    expect(chromeManifest.incognito).toBe('split');
    expect(chromeManifest.minimum_chrome_version).toBe('120');
    expect(chromeManifest.browser_specific_settings).toBeUndefined();
  });

  it('Firefox: an event page, a gecko id and minimum version, no offscreen, no Chrome keys, never in private windows', () => {
    expect(firefoxManifest.background).toEqual({ scripts: ['src/background/index.ts'], type: 'module' });
    expect(firefoxManifest.browser_specific_settings?.gecko?.id).toMatch(/^[\w.-]+@[\w.-]+$/);
    expect(Number(firefoxManifest.browser_specific_settings?.gecko?.strict_min_version?.split('.')[0])).toBeGreaterThanOrEqual(140);
    expect(firefoxManifest.permissions).not.toContain('offscreen');
    expect(firefoxManifest.minimum_chrome_version).toBeUndefined();
    // Firefox has no "split": incognito downloads would land in the regular log on disk (README "Firefox").
    expect(firefoxManifest.incognito).toBe('not_allowed');
    // Everything else is the same extension.
    const { background: _b, permissions: pf, incognito: _i, browser_specific_settings: _g, ...firefoxRest } = firefoxManifest as Manifest & Record<string, unknown>;
    const { background: _c, permissions: pc, incognito: _j, minimum_chrome_version: _m, ...chromeRest } = chromeManifest as Manifest & Record<string, unknown>;
    expect(firefoxRest).toEqual(chromeRest);
    expect(pc?.filter((permission) => permission !== 'offscreen')).toEqual(pf);
  });

  it('Chrome-only APIs are called in src/platform/chrome/ only; Firefox\'s adapters speak through webextension-polyfill', () => {
    const shared = files(join(ROOT, 'src/platform'), /\.tsx?$/).filter((path) => !/\/src\/platform\/(chrome|firefox)\//.test(path));
    for (const path of [...shared, ...files(join(ROOT, 'src/platform/firefox'), /\.ts$/)]) {
      expect(/\b(chrome|browser)\.(offscreen|runtime\.getContexts|storage\.local\.setAccessLevel)\b/.test(code(path)), `${path} calls a Chrome-only API`).toBe(false);
    }
    for (const path of files(join(ROOT, 'src/platform/firefox'), /\.ts$/)) expect(/\bchrome\./.test(code(path)), `${path} touches chrome.*`).toBe(false);
  });
});
