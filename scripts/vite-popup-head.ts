/**
 * Build-only plugin for ONE extension page (the popup): the page loads ONE classic script and no stylesheet file.
 * - The page's module graph (its entry chunk and every chunk it imports statically, e.g. preact's, shared with the
 *   options page) is bundled again, from the chunks just built, into one classic script (an IIFE), loaded by a plain
 *   <script> at the end of <body>. Each file an extension page loads is a round trip through the browser process,
 *   and a module graph is fetched, parsed and linked before any of it runs; one classic script runs as soon as it
 *   arrives. The first-screen script starts the popup's first IndexedDB read first thing (it imports boot.ts first).
 * - The page's stylesheet is inlined as a <style> (MV3's CSP only restricts scripts): a script waits for every
 *   stylesheet above it, and the first paint waits for them too.
 * The chunks themselves stay as they are for the other pages (options), the worker and the content script; the
 * popup's own entry chunk and stylesheet are dropped from the output when nothing else uses them.
 * The build fails if the popup's graph has a dynamic import (it would be a module load after all) or uses
 * `import.meta` (it has no meaning in a classic script).
 */
import { createHash } from 'node:crypto';
import { posix, resolve } from 'node:path';
import { build, type InlineConfig, type Plugin, type Rolldown } from 'vite';

interface Options {
  /** The page's file name in the output (its path relative to the project root), e.g. `src/popup/index.html`. */
  page: string;
  /**
   * A first-screen script (source path, e.g. `src/popup/first-screen.tsx`): bundled from source into its own
   * classic script with `preact/jsx-runtime` mapped to `jsxRuntime` (a runtime that builds DOM nodes), loaded by the
   * page instead of the app's script, which it names in its `data-app` attribute and loads itself once it drew.
   * Importing preact itself (or its hooks) from it fails the build: it must stay small.
   */
  firstScreen?: { entry: string; jsxRuntime: string };
}

type Bundle = Rolldown.OutputBundle;
const isChunk = (item: Rolldown.OutputChunk | Rolldown.OutputAsset | undefined): item is Rolldown.OutputChunk => item?.type === 'chunk';

const MODULE_SCRIPT = /\s*<script\b[^>]*\btype="module"[^>]*\bsrc="([^"]+)"[^>]*><\/script>/g;
const STYLESHEET = /\s*<link\b[^>]*\brel="stylesheet"[^>]*>/g;
const MODULEPRELOAD = /\s*<link\b[^>]*\brel="modulepreload"[^>]*>/g;
const href = (tag: string) => /\bhref="([^"]+)"/.exec(tag)?.[1];

/** `/assets/x.js` or `../../assets/x.js` (relative to the page) → the bundle's `assets/x.js`. */
const fromPage = (page: string, ref: string) => (ref.startsWith('/') ? ref.slice(1) : posix.normalize(posix.join(posix.dirname(page), ref)));

/** The chunk and every chunk it imports statically, in the bundle. */
export function staticGraph(bundle: Bundle, entry: string): Rolldown.OutputChunk[] {
  const seen = new Map<string, Rolldown.OutputChunk>();
  const visit = (fileName: string) => {
    const chunk = bundle[fileName];
    if (seen.has(fileName) || !isChunk(chunk)) return;
    seen.set(fileName, chunk);
    chunk.imports.forEach(visit);
  };
  visit(entry);
  return [...seen.values()];
}

/** One IIFE from already-built ES chunks (their relative imports resolved inside the bundle). */
export async function bundleClassic(bundle: Bundle, entry: string): Promise<string> {
  const graph = staticGraph(bundle, entry);
  for (const chunk of graph) {
    if (chunk.dynamicImports.length > 0) throw new Error(`the popup must load as one classic script, but ${chunk.fileName} imports ${chunk.dynamicImports.join(', ')} dynamically`);
    if (chunk.code.includes('import.meta')) throw new Error(`the popup must load as one classic script, but ${chunk.fileName} uses import.meta`);
  }
  const PREFIX = '\0built:';
  const config: Pick<InlineConfig, 'plugins'> = {
    plugins: [
      {
        name: 'semantest-built-chunks',
        resolveId(source, importer) {
          if (source === entry) return PREFIX + entry;
          if (!importer?.startsWith(PREFIX)) return null;
          const fileName = posix.normalize(posix.join(posix.dirname(importer.slice(PREFIX.length)), source));
          if (!isChunk(bundle[fileName])) throw new Error(`${importer.slice(PREFIX.length)} imports ${source}, which is not in the bundle`);
          return PREFIX + fileName;
        },
        load(id) {
          if (!id.startsWith(PREFIX)) return null;
          const chunk = bundle[id.slice(PREFIX.length)];
          return isChunk(chunk) ? chunk.code : null;
        },
      },
    ],
  };
  return (await buildOneIife('the popup', entry, config)).code;
}

/** One IIFE from source files, with preact's JSX runtime replaced by `jsxRuntime` and preact itself refused. */
export async function bundleFirstScreen(entry: string, jsxRuntime: string): Promise<string> {
  const runtime = resolve(jsxRuntime);
  const config: Pick<InlineConfig, 'plugins' | 'mode' | 'oxc'> = {
    mode: 'production',
    oxc: { jsx: { runtime: 'automatic', importSource: 'preact', development: false } },
    plugins: [
      {
        name: 'semantest-first-screen-jsx',
        enforce: 'pre',
        resolveId(source, importer) {
          if (source === 'preact/jsx-runtime' || source === 'preact/jsx-dev-runtime') return runtime;
          if (source === 'preact' || source.startsWith('preact/')) throw new Error(`the first-screen script must not load preact, but ${importer ?? entry} imports ${source}`);
          return null;
        },
      },
    ],
  };
  const chunk = await buildOneIife('the first screen', resolve(entry), config);
  if (chunk.dynamicImports.length > 0 || chunk.code.includes('import.meta')) throw new Error('the first-screen script must be one classic script');
  return chunk.code;
}

/** A Vite build of `input`, in memory, into ONE minified classic script (an IIFE): its chunk. */
async function buildOneIife(what: string, input: string, config: Pick<InlineConfig, 'plugins' | 'mode' | 'oxc'>): Promise<Rolldown.OutputChunk> {
  const result = await build({
    configFile: false,
    logLevel: 'silent',
    publicDir: false,
    ...config,
    build: { write: false, target: 'chrome120', minify: true, modulePreload: false, copyPublicDir: false, rollupOptions: { input, output: { format: 'iife' } } },
  });
  const outputs = (Array.isArray(result) ? result : [result]) as Rolldown.RolldownOutput[];
  const chunks = outputs.flatMap((output) => output.output).filter(isChunk);
  if (chunks.length !== 1 || !chunks[0]) throw new Error(`bundling ${what} gave ${chunks.length} chunks, not one`);
  return chunks[0];
}

/** Files of the bundle that something other than `except` refers to (HTML pages, chunks' imports and CSS). */
function usedElsewhere(bundle: Bundle, except: string[]): Set<string> {
  const used = new Set<string>();
  for (const item of Object.values(bundle)) {
    if (except.includes(item.fileName)) continue;
    if (isChunk(item)) {
      [...item.imports, ...item.dynamicImports, ...(item.viteMetadata?.importedCss ?? [])].forEach((name) => used.add(name));
      if (item.isEntry) used.add(item.fileName);
    } else if (item.fileName.endsWith('.html') || item.fileName.endsWith('.json')) {
      const text = typeof item.source === 'string' ? item.source : new TextDecoder().decode(item.source);
      for (const candidate of Object.keys(bundle)) if (text.includes(candidate)) used.add(candidate);
    }
  }
  return used;
}

const hashed = (prefix: string, code: string) => `assets/${prefix}-${createHash('sha256').update(code).digest('base64url').slice(0, 8)}.js`;

export function popupHead({ page, firstScreen }: Options): Plugin {
  return {
    name: 'semantest-popup-head',
    apply: 'build',
    generateBundle: {
      order: 'post',
      async handler(_options, bundle) {
        const html = bundle[page];
        if (!html || html.type !== 'asset') throw new Error(`${page} is not in the build`);
        let text = typeof html.source === 'string' ? html.source : new TextDecoder().decode(html.source);
        const scripts = [...text.matchAll(MODULE_SCRIPT)];
        const entryTag = scripts[0];
        if (scripts.length !== 1 || !entryTag?.[1]) throw new Error(`${page} must load exactly one module script (it loads ${scripts.length})`);
        const entry = fromPage(page, entryTag[1]);
        if (!isChunk(bundle[entry])) throw new Error(`${page} loads ${entry}, which is not a chunk of the build`);

        const code = await bundleClassic(bundle, entry);
        const fileName = hashed('popup', code);
        this.emitFile({ type: 'asset', fileName, source: code });
        let tag = `<script src="/${fileName}"></script>`;
        if (firstScreen) {
          const first = await bundleFirstScreen(firstScreen.entry, firstScreen.jsxRuntime);
          const firstName = hashed('popup-first', first);
          this.emitFile({ type: 'asset', fileName: firstName, source: first });
          tag = `<script src="/${firstName}" data-app="/${fileName}"></script>`;
        }

        // Stylesheets: inlined, in their order.
        const sheets: string[] = [];
        text = text.replace(STYLESHEET, (tag) => {
          const ref = href(tag);
          const asset = ref ? bundle[fromPage(page, ref)] : undefined;
          if (!asset || asset.type !== 'asset') throw new Error(`${page} links the stylesheet ${ref ?? tag}, which is not in the build`);
          const css = typeof asset.source === 'string' ? asset.source : new TextDecoder().decode(asset.source);
          if (/url\(|@import/i.test(css)) throw new Error(`${asset.fileName} refers to other files; inlined into ${page} they would resolve differently`);
          sheets.push(asset.fileName);
          return `\n    <style>${css.trim()}</style>`;
        });
        text = text.replace(MODULEPRELOAD, '').replace(MODULE_SCRIPT, '');
        if (!text.includes('</body>')) throw new Error(`${page} has no </body>`);
        text = text.replace('</body>', `  ${tag}\n  </body>`);
        html.source = text;

        // The popup's own entry chunk and stylesheet are no longer loaded by anything.
        const used = usedElsewhere(bundle, [page, entry]);
        for (const name of [entry, ...sheets]) if (!used.has(name)) delete bundle[name];
      },
    },
  };
}
