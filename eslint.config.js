// Lint rules that catch real defects; style is left to the formatter of the reader's choice.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

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
);
