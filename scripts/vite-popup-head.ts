/**
 * Build-only plugin for ONE extension page (the popup): what its <head> loads first.
 * - `classicScript`: a TypeScript file built as its own chunk and loaded by a plain (classic) <script> at the very
 *   top of <head>. A classic script runs as soon as it arrives, before the page's stylesheets and module graph
 *   have loaded (a module script waits for both). MV3's CSP forbids inline scripts, so it is a file. The build
 *   fails if the chunk imports or exports anything: that would need a module graph.
 * - `<link rel="modulepreload">` for every chunk the page's module imports statically, so they are fetched in
 *   parallel with it instead of after it was parsed (build.modulePreload stays off for the other entries: its
 *   helper would also run in the content script, on Google's page).
 * Other HTML entries (the options page) are left as they are.
 */
import { resolve } from 'node:path';
import type { HtmlTagDescriptor, Plugin, Rolldown } from 'vite';

interface Options {
  /** The page, relative to the project root, e.g. `src/popup/index.html`. */
  page: string;
  /** The classic script's source, relative to the project root. */
  classicScript: string;
}

const isChunk = (item: Rolldown.OutputChunk | Rolldown.OutputAsset | undefined): item is Rolldown.OutputChunk => item?.type === 'chunk';

export function popupHead({ page, classicScript }: Options): Plugin {
  let root = process.cwd();
  return {
    name: 'semantest-popup-head',
    apply: 'build',
    configResolved(config) {
      root = config.root;
    },
    buildStart() {
      this.emitFile({ type: 'chunk', id: resolve(root, classicScript), name: 'popup-boot', preserveSignature: false });
    },
    transformIndexHtml: {
      order: 'post',
      handler(html, ctx) {
        if (ctx.path !== `/${page}` || !ctx.bundle || !ctx.chunk) return html;
        const bundle = ctx.bundle;
        const source = resolve(root, classicScript);
        const boot = Object.values(bundle).find((item): item is Rolldown.OutputChunk => isChunk(item) && item.facadeModuleId === source);
        if (!boot) throw new Error(`${classicScript} was not built`);
        if (boot.imports.length > 0 || boot.dynamicImports.length > 0 || boot.exports.length > 0) {
          throw new Error(`${classicScript} must be a classic script: it imports ${[...boot.imports, ...boot.dynamicImports].join(', ') || 'nothing'} and exports ${boot.exports.join(', ') || 'nothing'}`);
        }
        const preload = new Set<string>();
        const follow = (fileName: string) => {
          const chunk = bundle[fileName];
          if (!isChunk(chunk)) return;
          for (const imported of chunk.imports) {
            if (preload.has(imported)) continue;
            preload.add(imported);
            follow(imported);
          }
        };
        follow(ctx.chunk.fileName);
        const tags = [...preload].map((fileName): HtmlTagDescriptor => ({ tag: 'link', attrs: { rel: 'modulepreload', crossorigin: true, href: `/${fileName}` }, injectTo: 'head' }));
        // Right after <meta charset> (which must stay first), ahead of every stylesheet: a classic script waits
        // for the stylesheets above it.
        const script = `<script src="/${boot.fileName}"></script>`;
        const charset = /<meta\s+charset[^>]*>/i.exec(html);
        const at = charset ? charset.index + charset[0].length : html.indexOf('<head>') + '<head>'.length;
        return { html: `${html.slice(0, at)}\n    ${script}${html.slice(at)}`, tags };
      },
    },
  };
}
