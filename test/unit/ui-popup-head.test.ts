/**
 * The build plugin that makes the popup ONE classic script (its module graph bundled again as an IIFE) with its
 * stylesheet inlined. Runs the plugin's real generateBundle (a nested vite build) over a small fake bundle.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import type { Rolldown } from 'vite';
import { bundleFirstScreen, popupHead, staticGraph } from '../../scripts/vite-popup-head.ts';

const PAGE = 'src/popup/index.html';

const chunk = (fileName: string, code: string, imports: string[] = [], extra: Record<string, unknown> = {}) => ({
  type: 'chunk' as const,
  fileName,
  code,
  imports,
  dynamicImports: [],
  exports: [],
  isEntry: false,
  facadeModuleId: null,
  viteMetadata: { importedCss: new Set<string>(), importedAssets: new Set<string>() },
  ...extra,
});
const asset = (fileName: string, source: string) => ({ type: 'asset' as const, fileName, source });

const POPUP_HTML = [
  '<!doctype html>',
  '<html>',
  '  <head>',
  '    <meta charset="utf-8" />',
  '    <title>x</title>',
  '    <script type="module" crossorigin src="/assets/index.html-2.js"></script>',
  '    <link rel="stylesheet" crossorigin href="/assets/popup-6.css">',
  '    <link rel="modulepreload" crossorigin href="/assets/preact-3.js">',
  '  </head>',
  '  <body>',
  '    <div id="app"></div>',
  '  </body>',
  '</html>',
].join('\n');
const OPTIONS_HTML = POPUP_HTML.replace('index.html-2.js', 'index.html-7.js').replace('popup-6.css', 'options-8.css').replace(/\s*<link rel="modulepreload"[^>]*>/, '');

function fakeBundle(overrides: Record<string, unknown> = {}): Record<string, ReturnType<typeof chunk> | ReturnType<typeof asset>> {
  return {
    [PAGE]: asset(PAGE, POPUP_HTML),
    'src/options/index.html': asset('src/options/index.html', OPTIONS_HTML),
    // The popup's entry: its side effects must run after its imports', in order.
    'assets/index.html-2.js': chunk('assets/index.html-2.js', 'import{t as e}from"./preact-3.js";import{n as d}from"./download-4.js";globalThis.log.push("popup:"+e()+d);', ['assets/preact-3.js', 'assets/download-4.js'], { isEntry: true }),
    'assets/preact-3.js': chunk('assets/preact-3.js', 'globalThis.log.push("preact");function t(){return"render"}export{t};'),
    'assets/download-4.js': chunk('assets/download-4.js', 'import{t as e}from"./preact-3.js";const n=":"+e().length;export{n};', ['assets/preact-3.js']),
    // The options page shares preact.
    'assets/index.html-7.js': chunk('assets/index.html-7.js', 'import{t as e}from"./preact-3.js";e();', ['assets/preact-3.js'], { isEntry: true }),
    'assets/popup-6.css': asset('assets/popup-6.css', 'body{width:440px}\n'),
    'assets/options-8.css': asset('assets/options-8.css', 'body{margin:0}\n'),
    ...overrides,
  };
}

async function generate(bundle: Record<string, unknown>, firstScreen?: { entry: string; jsxRuntime: string }) {
  const plugin = popupHead({ page: PAGE, ...(firstScreen ? { firstScreen } : {}) });
  const emitted: { fileName: string; source: string }[] = [];
  const hook = plugin.generateBundle as unknown as { handler: (this: unknown, options: unknown, bundle: unknown) => Promise<void> };
  await hook.handler.call({ emitFile: (file: { fileName: string; source: string }) => emitted.push(file) }, {}, bundle);
  return emitted;
}

describe('popupHead build plugin', () => {
  it('follows the static imports of a chunk', () => {
    expect(staticGraph(fakeBundle() as unknown as Rolldown.OutputBundle, 'assets/index.html-2.js').map((c) => c.fileName)).toEqual(['assets/index.html-2.js', 'assets/preact-3.js', 'assets/download-4.js']);
  });

  it('makes the popup one classic script at the end of <body>, its stylesheet inline, and drops what only it used', async () => {
    const bundle = fakeBundle();
    const emitted = await generate(bundle);
    expect(emitted).toHaveLength(1);
    const [script] = emitted;
    expect(script?.fileName).toMatch(/^assets\/popup-[\w-]{8}\.js$/);
    const html = String((bundle[PAGE] as { source: string }).source);
    expect(html).not.toMatch(/type="module"|modulepreload|rel="stylesheet"/);
    expect(html).toContain('<style>body{width:440px}</style>');
    expect(html.indexOf(`<script src="/${script?.fileName}"></script>`)).toBeGreaterThan(html.indexOf('<div id="app">'));
    expect(html.indexOf(`<script src="/${script?.fileName}"></script>`)).toBeLessThan(html.indexOf('</body>'));
    // A classic script: no import or export left, and it runs the graph in module order.
    expect(script?.source).not.toMatch(/\bimport\b|\bexport\b/);
    const log: string[] = [];
    const page: Record<string, unknown> = { globalThis: { log }, log };
    runInNewContext(script?.source ?? '', page);
    expect(log).toEqual(['preact', 'popup:render:6']);
    // In a function: a classic script's top-level names would be globals of the page.
    expect(Object.keys(page).sort()).toEqual(['globalThis', 'log']);
    // The popup's entry and stylesheet are gone; what the options page loads stays.
    expect(Object.keys(bundle).sort()).toEqual(['assets/download-4.js', 'assets/index.html-7.js', 'assets/options-8.css', 'assets/preact-3.js', 'src/options/index.html'].concat(PAGE).sort());
    expect((bundle['src/options/index.html'] as { source: string }).source).toBe(OPTIONS_HTML);
  });

  it('fails the build where one classic script cannot do what the modules did', async () => {
    const dynamic = chunk('assets/index.html-2.js', 'import("./later-9.js");', [], { isEntry: true, dynamicImports: ['assets/later-9.js'] });
    await expect(generate(fakeBundle({ 'assets/index.html-2.js': dynamic }))).rejects.toThrow(/dynamically/);
    const meta = chunk('assets/index.html-2.js', 'console.log(import.meta.url);', [], { isEntry: true });
    await expect(generate(fakeBundle({ 'assets/index.html-2.js': meta }))).rejects.toThrow(/import\.meta/);
    await expect(generate(fakeBundle({ 'assets/popup-6.css': asset('assets/popup-6.css', 'a{background:url(x.png)}') }))).rejects.toThrow(/refers to other files/);
  });

  it('bundles a first-screen script from source with its own JSX runtime, loads it instead of the app and names the app in it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'semantest-first-screen-'));
    try {
      writeFileSync(join(dir, 'runtime.ts'), 'export const Fragment = "fragment";\nexport function jsx(type: unknown, props: unknown) { return { type, props }; }\nexport const jsxs = jsx;\n');
      writeFileSync(join(dir, 'first.tsx'), '(globalThis as unknown as { drawn: unknown }).drawn = <b id="x">{"hi"}</b>;\n');
      const code = await bundleFirstScreen(join(dir, 'first.tsx'), join(dir, 'runtime.ts'));
      expect(code).not.toMatch(/\bimport\b|\bexport\b/);
      const page: Record<string, unknown> = {};
      page.globalThis = page;
      runInNewContext(code, page);
      expect(page.drawn).toEqual({ type: 'b', props: { id: 'x', children: 'hi' } });

      const bundle = fakeBundle();
      const emitted = await generate(bundle, { entry: join(dir, 'first.tsx'), jsxRuntime: join(dir, 'runtime.ts') });
      const app = emitted.find((file) => /^assets\/popup-(?!first)/.test(file.fileName));
      const first = emitted.find((file) => file.fileName.startsWith('assets/popup-first-'));
      expect(first?.source).toBe(code);
      const html = String((bundle[PAGE] as { source: string }).source);
      expect(html).toContain(`<script src="/${first?.fileName}" data-app="/${app?.fileName}"></script>`);
      expect(html.match(/<script\b/g)).toHaveLength(1);

      // Preact itself in the first screen would make it as big as the app: the build refuses it.
      writeFileSync(join(dir, 'heavy.tsx'), 'import { useState } from "preact/hooks";\n(globalThis as unknown as { s: unknown }).s = useState;\n');
      await expect(bundleFirstScreen(join(dir, 'heavy.tsx'), join(dir, 'runtime.ts'))).rejects.toThrow(/must not load preact/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
