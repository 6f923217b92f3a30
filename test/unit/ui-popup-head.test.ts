/** The build plugin that puts the popup's classic boot script and modulepreload hints into its <head>. */
import { describe, expect, it } from 'vitest';
import type { IndexHtmlTransformContext, IndexHtmlTransformResult } from 'vite';
import { popupHead } from '../../scripts/vite-popup-head.ts';

type Handler = (html: string, ctx: IndexHtmlTransformContext) => IndexHtmlTransformResult;

const chunk = (fileName: string, imports: string[] = [], extra: Record<string, unknown> = {}) => ({ type: 'chunk', fileName, facadeModuleId: null, imports, dynamicImports: [], exports: [], ...extra });

function transform(path: string, bootExtra: Record<string, unknown> = {}) {
  const plugin = popupHead({ page: 'src/popup/index.html', classicScript: 'src/popup/boot.ts' });
  (plugin.configResolved as unknown as (config: { root: string }) => void)({ root: '/project' });
  const bundle = {
    'assets/popup-boot-1.js': chunk('assets/popup-boot-1.js', [], { facadeModuleId: '/project/src/popup/boot.ts', ...bootExtra }),
    'assets/index.html-2.js': chunk('assets/index.html-2.js', ['assets/preact-3.js', 'assets/download-4.js']),
    'assets/preact-3.js': chunk('assets/preact-3.js'),
    'assets/download-4.js': chunk('assets/download-4.js', ['assets/preact-3.js', 'assets/schema-5.js']),
    'assets/schema-5.js': chunk('assets/schema-5.js'),
  };
  const html = '<!doctype html>\n<html>\n  <head>\n    <meta charset="utf-8" />\n    <title>x</title>\n    <link rel="stylesheet" href="/assets/a.css">\n  </head>\n</html>';
  const ctx = { path, filename: `/project${path}`, bundle, chunk: bundle['assets/index.html-2.js'] } as unknown as IndexHtmlTransformContext;
  return (plugin.transformIndexHtml as unknown as { handler: Handler }).handler(html, ctx);
}

describe('popupHead build plugin', () => {
  it('loads the boot script classically right after <meta charset>, before any stylesheet, and preloads every static import', () => {
    const result = transform('/src/popup/index.html') as { html: string; tags: { attrs: Record<string, unknown> }[] };
    const boot = result.html.indexOf('<script src="/assets/popup-boot-1.js"></script>');
    expect(boot).toBeGreaterThan(result.html.indexOf('<meta charset'));
    expect(boot).toBeLessThan(result.html.indexOf('<link rel="stylesheet"'));
    expect(result.html).not.toMatch(/popup-boot-1\.js"[^>]*type="module"/);
    expect(result.tags.map((tag) => [tag.attrs['rel'], tag.attrs['href']])).toEqual([
      ['modulepreload', '/assets/preact-3.js'],
      ['modulepreload', '/assets/download-4.js'],
      ['modulepreload', '/assets/schema-5.js'],
    ]);
  });

  it('leaves other pages alone', () => {
    expect(transform('/src/options/index.html')).toContain('<title>x</title>');
    expect(transform('/src/options/index.html')).not.toContain('popup-boot');
  });

  it('fails the build when the boot script would need a module graph', () => {
    expect(() => transform('/src/popup/index.html', { imports: ['assets/preact-3.js'] })).toThrow(/must be a classic script/);
    expect(() => transform('/src/popup/index.html', { exports: ['x'] })).toThrow(/must be a classic script/);
  });
});
