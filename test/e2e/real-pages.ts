/**
 * Serving the real Google pages (test/fixtures/google-real/) offline, as the web around them would: at serve
 * time, and changing Google's markup and data in one way only — the 2024 page's originals point at the local image
 * host (their hosts are the internet). Everything else the pages name is answered at its own address by routes:
 * Google's thumbnails (`encrypted-tbn*.gstatic.com`) and the saved page's local thumbnails with pictures made by
 * the image host, the basic pages' source pages with small pages made here (one declares the picture in
 * `og:image`, one has it only in a large `<img srcset>`, one holds nothing that is the picture). Routes reach the
 * extension's service worker too (checked: a context route answers its `fetch`).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BrowserContext, Route } from '@playwright/test';
import { makeJpeg, pictureSeed } from '../../scripts/image-host.mjs';
import { REAL_FIXTURES, type Extension } from './fixtures.ts';

export const UDM2_2024 = 'udm2-2024-08-cat.html';
export const UDM2_2025 = 'udm2-2025-06-chateau-chalon-singlefile.html';
export const BASIC_2016 = 'basic-2016-02-test-ja.html';
export const RGDI_2016 = 'rgdi-2016-02-test-ja-chunk.html';
export const BASIC_2022 = 'basic-2022-08-dogs-ru.html';
export const BASIC_2026 = 'basic-2026-02-papaya.html';
export const CHALLENGE = 'challenge-enablejs-isch.html';

export const realPage = (file: string): string => readFileSync(join(REAL_FIXTURES, file), 'utf8');

/** Google's thumbnails are 4:3 pictures of this size; the originals on source pages the same pictures, larger. */
export const THUMB = { width: 160, height: 120 };
export const picturePath = (seed: number, width: number, height: number): string => `/pic/${seed}/${width}x${height}.png`;

export interface Udm2Result {
  docid: string;
  /** The original as Google's data names it (decoded). */
  original: string;
  /** Where the served page points it: a path of the image host (`/originals/real-<n>.jpg`). */
  local: string;
}

/**
 * The 2024 page's results in grid order with their originals (read from its inline map, an independent route from
 * the content script's), and the page with every original, in every form it is written in (the data's JS string,
 * the `/imgres` links' query parameter, HTML attributes), pointed at `{{IMG}}/originals/real-<n>.jpg`.
 */
export function udm2WithLocalOriginals(): { html: string; results: Udm2Result[] } {
  let html = realPage(UDM2_2024);
  const byDocid = new Map<string, { raw: string; original: string }>();
  for (const match of html.matchAll(/"[A-Za-z0-9_-]+":\[1,\[0,"([^"]+)",\["[^"]*",\d+,\d+\],\["([^"]+)",\d+,\d+\]/g)) {
    byDocid.set(match[1] as string, { raw: match[2] as string, original: JSON.parse(`"${match[2] as string}"`) as string });
  }
  const distinct = [...new Set([...byDocid.values()].map((entry) => entry.original))];
  const localOf = new Map(distinct.map((original, index) => [original, `/originals/real-${index}.jpg`]));
  const escapeHtml = (text: string): string => text.replaceAll('&', '&amp;');
  for (const { raw, original } of byDocid.values()) {
    const local = `{{IMG}}${localOf.get(original) ?? ''}`;
    html = html.replaceAll(raw, local).replaceAll(escapeHtml(original), local).replaceAll(encodeURIComponent(original), encodeURIComponent(local));
  }
  const grid = [...html.matchAll(/<div jsname="dTDiAc"[^>]*data-docid="([^"]+)"/g)].map((match) => match[1] as string);
  const results = grid.map((docid) => {
    const original = byDocid.get(docid)?.original ?? '';
    return { docid, original, local: localOf.get(original) ?? '' };
  });
  return { html, results };
}

/**
 * Serves the 2024 page as udm2WithLocalOriginals() makes it, offline, with its thumbnails answered. Each original
 * is a JPEG of its own on the image host: the result's own thumbnail where the page inlines it as a JPEG (real cats,
 * so the open preview shows one), else a small JPEG named after it.
 */
export async function serveUdm2(ext: Extension): Promise<Udm2Result[]> {
  const { html, results } = udm2WithLocalOriginals();
  // A result's first image, up to the next result: its thumbnail.
  const inline = new Map([...html.matchAll(/<div jsname="dTDiAc"[^>]*data-docid="([^"]+)"(?:(?!<div jsname="dTDiAc")[\s\S])*?<img[^>]*?src="([^"]*)"/g)].map((match) => [match[1] as string, match[2] as string]));
  const used = new Set<string>();
  for (const result of results) {
    const name = result.local.replace('/originals/', '');
    const thumbnail = /^data:image\/jpeg;base64,/.exec(inline.get(result.docid) ?? '') ? (inline.get(result.docid) ?? '').replace(/^data:image\/jpeg;base64,/, '') : null;
    // Each original its own bytes (the saga takes the same bytes under another address for a duplicate).
    const original = thumbnail && !used.has(thumbnail) ? Buffer.from(thumbnail, 'base64') : makeJpeg(`real page original ${name}`, 2000);
    if (thumbnail) used.add(thumbnail);
    ext.images.images.set(name, { original, thumb: original, contentType: 'image/jpeg' });
  }
  await offline(ext.context);
  await routeThumbnails(ext);
  ext.serveRealPage(UDM2_2024, () => html);
  return results;
}

/** The bytes the image host serves for an original of serveUdm2. */
export const originalBytes = (ext: Extension, local: string): Buffer => ext.images.images.get(local.replace('/originals/', ''))?.original ?? Buffer.alloc(0);

/** Answers Google's thumbnails and the saved page's own (its `_files/` folder was not kept) with pictures. */
export async function routeThumbnails(ext: Extension): Promise<void> {
  const picture = async (route: Route, key: string): Promise<void> => {
    const made = ext.images.generated(picturePath(pictureSeed(key), THUMB.width, THUMB.height));
    await route.fulfill({ status: 200, contentType: made?.type ?? 'image/png', body: made?.body ?? Buffer.alloc(0) });
  };
  await ext.context.route(/^https:\/\/encrypted-tbn\d\.gstatic\.com\/images\?/, (route) => picture(route, thumbnailToken(route.request().url())));
  await ext.context.route(/_files\/images(\(\d+\))?$/, (route) => picture(route, decodeURIComponent(new URL(route.request().url()).pathname)));
}

/** The `tbn:` token of a Google thumbnail address: what its picture is made from. */
export function thumbnailToken(url: string): string {
  return /[?&]q=(tbn:[A-Za-z0-9_-]+)/.exec(url)?.[1] ?? url;
}

/**
 * Nothing else leaves the machine: any other host's request fails at once (as an unreachable host would). Google's
 * own hosts go on to the harness's routes (fixtures.ts); routes added after this one are asked before it.
 */
export async function offline(context: BrowserContext): Promise<void> {
  await context.route(/^https?:\/\/(?!127\.0\.0\.1[:/])/, (route) =>
    /^https:\/\/([a-z0-9-]+\.)*(google|gstatic|googleapis)\.[a-z.]+\//.test(route.request().url()) ? route.fallback() : route.abort('internetdisconnected'),
  );
}

export type SourceKind = 'og' | 'srcset' | 'none';

export interface BasicResult {
  /** The result's Google thumbnail's token (its picture's seed). */
  token: string;
  seed: number;
  /** The page the result links to (through Google's `/url?` redirect). */
  pageUrl: string;
}

/** A basic page's results in order: each thumbnail's token and the page its link leads to (read from the raw HTML). */
export function basicResults(file: string): BasicResult[] {
  const html = realPage(file);
  const out: BasicResult[] = [];
  for (const match of html.matchAll(/<a href="\/url\?([^"]+)"[^>]*>\s*(?:<div class="[^"]+">)?\s*<img\b[^>]*?src="(https:\/\/encrypted-tbn\d\.gstatic\.com\/images\?q=tbn:[^"]+)"/g)) {
    const params = new URLSearchParams((match[1] as string).replaceAll('&amp;', '&'));
    const pageUrl = new URL(params.get('url') || params.get('q') || '').href;
    const token = thumbnailToken((match[2] as string).replaceAll('&amp;', '&'));
    out.push({ token, seed: pictureSeed(token), pageUrl });
  }
  return out;
}

/** The original a source page of `kind` holds for a result (an image host path), if it holds one. */
export function originalOn(kind: SourceKind, seed: number): string | null {
  if (kind === 'og') return picturePath(seed, 1200, 900);
  if (kind === 'srcset') return picturePath(seed, 1280, 960);
  return null;
}

/**
 * Serves each source page a basic page links to: the kind of page `kindOf` gives it, holding the picture of every
 * result that links to it (a page several results link to is a gallery). A request that carries cookies or
 * credentials is answered 401: the finder must read pages as a stranger.
 */
export async function routeSourcePages(ext: Extension, results: readonly BasicResult[], kindOf: (pageUrl: string) => SourceKind): Promise<{ requests: string[]; withCookies: string[] }> {
  const requests: string[] = [];
  const withCookies: string[] = [];
  const byPage = new Map<string, BasicResult[]>();
  for (const result of results) byPage.set(result.pageUrl, [...(byPage.get(result.pageUrl) ?? []), result]);
  const img = ext.images.origin;
  const body = (kind: SourceKind, seeds: number[]): string => {
    const [first] = seeds;
    const others = `<p>Other pictures: <img src="${img}${picturePath(99_999, 120, 90)}" alt="logo"></p>`;
    if (kind === 'og') return `<!doctype html><html><head><meta property="og:image" content="${img}${originalOn('og', first ?? 0)}"><title>Page</title></head><body>${seeds.slice(1).map((seed) => `<img srcset="${img}${picturePath(seed, 1280, 960)} 1280w">`).join('')}${others}</body></html>`;
    if (kind === 'srcset') return `<!doctype html><html><head><title>Page</title></head><body>${seeds.map((seed) => `<img src="${img}${picturePath(seed, 320, 240)}" srcset="${img}${picturePath(seed, 320, 240)} 320w, ${img}${picturePath(seed, 1280, 960)} 1280w" sizes="100vw" alt="">`).join('')}${others}</body></html>`;
    return `<!doctype html><html><head><meta property="og:image" content="${img}${picturePath(77_777, 1200, 900)}"><title>Page</title></head><body>${others}</body></html>`;
  };
  await ext.context.route((url) => byPage.has(url.href), async (route) => {
    const url = route.request().url();
    requests.push(url);
    const headers = route.request().headers();
    if (headers['cookie'] || headers['authorization']) {
      withCookies.push(url);
      return route.fulfill({ status: 401, contentType: 'text/plain', body: 'no credentials expected' });
    }
    const seeds = (byPage.get(url) ?? []).map((result) => result.seed);
    return route.fulfill({ status: 200, contentType: 'text/html; charset=utf-8', body: body(kindOf(url), seeds) });
  });
  return { requests, withCookies };
}
