// Lint rules that catch real defects; style is left to the formatter of the reader's choice.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

/**
 * The layers (README, "Layout"): which of our folders each folder may not import. A path is matched on the import
 * as written (`../background/x.ts`), so one rule per folder covers its subfolders too.
 */
const PAGES = ['popup', 'options', 'monitor'];
const LAYER_RULES = {
  domain: { only: ['domain'], why: 'the domain is pure: it imports nothing of ours but the domain' },
  shared: { only: ['domain', 'shared'], why: 'shared code (messages, settings, Google domains) stands on the domain alone' },
  store: { not: ['background', 'projections', 'bus', 'outbox', 'platform', 'transfer', 'content', 'ui', ...PAGES, 'offscreen'], why: 'the store is given its projections; it knows no worker, bus or page' },
  bus: { not: ['background', 'projections', 'outbox', 'platform', 'transfer', 'content', 'ui', ...PAGES, 'offscreen'], why: 'the bus knows its subscribers by the Subscriber interface only' },
  projections: { not: ['background', 'outbox', 'content', 'ui', ...PAGES, 'offscreen', 'transfer'], why: 'read models know events and the store, not who reads them' },
  platform: { not: ['background', 'store', 'bus', 'projections', 'outbox', 'content', 'ui', ...PAGES, 'offscreen'], why: 'the platform adapts the browser; it never reaches into the worker' },
  transfer: { not: ['background', 'store', 'bus', 'projections', 'outbox', 'content', 'ui', ...PAGES], why: 'the transfer runs in its own document with the platform and the domain only' },
  outbox: { not: ['background', 'content', 'ui', ...PAGES, 'offscreen'], why: 'the outbox is given to the worker, not the other way round' },
  content: { not: ['background', 'store', 'bus', 'projections', 'outbox', 'transfer', 'ui', ...PAGES, 'offscreen'], why: 'the content script speaks to the worker by messages only' },
  background: { not: ['content', 'ui', ...PAGES, 'offscreen'], why: 'the worker does not import page code' },
  ui: { not: ['background', 'bus', 'content', 'transfer', ...PAGES, 'offscreen'], storeOnly: ['database.ts', 'event-log-io.ts'], why: 'pages read the store through ui/read-api.ts and ui/downloads-reader.ts' },
  ...Object.fromEntries(PAGES.map((page) => [page, { not: ['background', 'store', 'bus', 'content', 'transfer', 'offscreen'], why: 'pages read through ui/read-api.ts and write only by asking the worker' }])),
};

/** `no-restricted-imports` for each folder of src/ in LAYER_RULES. */
function layerRules() {
  return Object.entries(LAYER_RULES).map(([folder, rule]) => {
    const patterns = [];
    if (rule.only) patterns.push({ regex: `^(\\.\\./)+(?!(${rule.only.join('|')})/)[^./][^/]*/`, message: `src/${folder}: ${rule.why}.` });
    if (rule.not) patterns.push({ regex: `^(\\.\\./)+(${rule.not.join('|')})/`, message: `src/${folder}: ${rule.why}.` });
    if (rule.storeOnly) patterns.push({ regex: `^(\\.\\./)+store/(?!(${rule.storeOnly.map((file) => file.replace('.', '\\.')).join('|')})$)`, message: `src/${folder}: ${rule.why}.` });
    return { files: [`src/${folder}/**`], rules: { 'no-restricted-imports': ['error', { patterns }] } };
  });
}

export default tseslint.config(
  { ignores: ['dist/', 'dist-firefox/', 'artifacts/', 'node_modules/', 'test-results/', 'playwright-report/', '.tmp-*/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.browser, ...globals.node, chrome: 'readonly' } },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-globals': ['error', { name: 'chrome', message: 'Only src/platform/ may touch chrome.*' }],
    },
  },
  {
    // The platform layer is the one place that talks to chrome.*; tests and scripts drive a real browser.
    files: ['src/platform/**', 'test/**', 'scripts/**'],
    rules: { 'no-restricted-globals': 'off' },
  },
  {
    // The domain is pure: no clock, no randomness, no browser.
    files: ['src/domain/**'],
    rules: {
      'no-restricted-syntax': ['error',
        { selector: "MemberExpression[object.name='Date'][property.name='now']", message: 'Pass time in; the domain never reads the clock.' },
        { selector: "MemberExpression[object.name='Math'][property.name='random']", message: 'Pass randomness in.' },
      ],
    },
  },
  ...layerRules(),
);
