/**
 * A Google Images page whose results arrive by scrolling (issue 19 "download all"), derived from the real 2024
 * `udm=2` page, not invented: scripts/scrolling-page.mjs builds it (shared with the bench); this serves it offline
 * with every original's bytes on the image host. The 100 added results: sizes are the real results' sizes in the
 * same order (so some are too small, as on the real page); duplicates by address and by content; 404s and HTML
 * pages that fail for good (scripts/scrolling-page.mjs `mixedKind`).
 */
import type { Extension } from './fixtures.ts';
import { makeJpeg } from '../../scripts/image-host.mjs';
import { scrollingPage, type ScrollEntry } from '../../scripts/scrolling-page.mjs';
import { offline, originalBytes, realPage, routeThumbnails, UDM2_2024, udm2WithLocalOriginals } from './real-pages.ts';

export type ScrollResult = ScrollEntry & {
  /** The bytes served at `local` (none for the failing ones). */
  bytes: Buffer | null;
};

/** Serves the scrolling page offline, with every original's bytes on the image host. */
export async function serveScrolling(ext: Extension): Promise<ScrollResult[]> {
  const { html, results } = scrollingPage(realPage(UDM2_2024));
  // The real results' originals as serveUdm2 makes them (the result's own inline JPEG thumbnail, or a JPEG of its own).
  const realHtml = udm2WithLocalOriginals().html;
  const inline = new Map([...realHtml.matchAll(/<div jsname="dTDiAc"[^>]*data-docid="([^"]+)"(?:(?!<div jsname="dTDiAc")[\s\S])*?<img[^>]*?src="([^"]*)"/g)].map((match) => [match[1] as string, match[2] as string]));
  const used = new Set<string>();
  for (const result of results.filter((each) => each.kind === 'real')) {
    const name = result.local.replace('/originals/', '');
    if (ext.images.images.has(name)) continue;
    const thumbnail = /^data:image\/jpeg;base64,/.test(inline.get(result.docid) ?? '') ? (inline.get(result.docid) ?? '').replace(/^data:image\/jpeg;base64,/, '') : null;
    const original = thumbnail && !used.has(thumbnail) ? Buffer.from(thumbnail, 'base64') : makeJpeg(`real page original ${name}`, 2000);
    if (thumbnail) used.add(thumbnail);
    ext.images.images.set(name, { original, thumb: original, contentType: 'image/jpeg' });
  }
  const served: ScrollResult[] = [];
  for (const result of results) {
    if (result.kind === 'new') ext.images.images.set(result.local.replace('/originals/', ''), { original: makeJpeg(`scrolled original ${result.index}`, 3000), thumb: makeJpeg(`thumb ${result.index}`), contentType: 'image/jpeg' });
    if (result.kind === 'content-duplicate') {
      const same = originalBytes(ext, (results[result.source ?? 0] as ScrollEntry).local);
      ext.images.images.set(result.local.replace('/originals/', ''), { original: same, thumb: same, contentType: 'image/jpeg' });
    }
    served.push({ ...result, bytes: result.kind === '404' || result.kind === 'html' ? null : originalBytes(ext, result.local) });
  }
  await offline(ext.context);
  await routeThumbnails(ext);
  ext.serveRealPage(UDM2_2024, () => html);
  return served;
}
