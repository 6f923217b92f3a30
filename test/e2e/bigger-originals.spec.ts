/**
 * Bigger originals in a real Chromium (issue 19): each host's URL shape (Wikimedia, WordPress, Pinterest, X/Twitter,
 * Blogger, Reddit), mapped onto the local image host by Chromium's host resolver. For every rule, one result whose
 * bigger copy is the same picture and larger (kept), and one whose bigger copy is missing, not an image, not larger
 * or another picture (Google's original kept, one request more). Files on disk are checked by their bytes.
 */
import { readFileSync } from 'node:fs';
import type { Page } from '@playwright/test';
import { test, expect } from './fixtures.ts';
import { makePicture, sha256 } from '../../scripts/image-host.mjs';
import type { ImageHost } from '../../scripts/image-host.mjs';

// Wikimedia's and Pinterest's hosts are HSTS-preloaded: Chromium asks them over https only (a self-signed front).
test.use({ mappedHosts: ['https://upload.wikimedia.org', 'blog.example.net', 'https://i.pinimg.com', 'pbs.twimg.com', 'blogger.googleusercontent.com', 'preview.redd.it', 'i.redd.it'] });

const control = '[data-testid="semantest-download"]:not(.semantest-preview)';
type Fallback = 'missing' | 'not an image' | 'not larger' | 'another picture';
interface Case {
  rule: string;
  /** Google's original (a resized copy) and the bigger address the rule gives. */
  google: string;
  bigger: string;
  fallback?: Fallback;
}

function cases(name: string): Array<[string, string]> {
  return [
    [`https://upload.wikimedia.org/wikipedia/commons/thumb/a/ab/${name}.png/800px-${name}.png`, `https://upload.wikimedia.org/wikipedia/commons/a/ab/${name}.png`],
    [`http://blog.example.net/wp-content/uploads/2024/05/${name}-800x600.png`, `http://blog.example.net/wp-content/uploads/2024/05/${name}.png`],
    [`https://i.pinimg.com/736x/aa/bb/cc/${name}.png`, `https://i.pinimg.com/originals/aa/bb/cc/${name}.png`],
    [`http://pbs.twimg.com/media/${name}?format=png&name=small`, `http://pbs.twimg.com/media/${name}?format=png&name=orig`],
    [`http://blogger.googleusercontent.com/img/b/R29v/AVvX/s320/${name}.png`, `http://blogger.googleusercontent.com/img/b/R29v/AVvX/s0/${name}.png`],
    [`http://preview.redd.it/${name}.png?width=640&auto=webp&s=ab12`, `http://i.redd.it/${name}.png`],
  ];
}
const RULES = ['wikimedia', 'wordpress', 'pinterest', 'twitter', 'blogger', 'reddit'];
const FALLBACKS: Fallback[] = ['missing', 'not an image', 'not larger', 'another picture', 'missing', 'not an image'];

const ALL: Case[] = RULES.flatMap((rule, i) => {
  const [keptGoogle, keptBigger] = cases(`big${i}ok`)[i] as [string, string];
  const [fallGoogle, fallBigger] = cases(`big${i}no`)[i] as [string, string];
  return [
    { rule, google: keptGoogle, bigger: keptBigger },
    { rule, google: fallGoogle, bigger: fallBigger, fallback: FALLBACKS[i] },
  ];
});

const pathOf = (url: string): string => new URL(url).pathname + new URL(url).search;
/** What the image host is asked by: host name, path and query. */
const keyOf = (url: string): string => new URL(url).hostname + pathOf(url);
const seedOf = (index: number): number => 101 + index;

/** Google's original 400×300, its thumbnail 200×150, the bigger copy 1000×750: the same picture at three sizes. */
function serve(images: ImageHost): Map<string, Buffer> {
  const saved = new Map<string, Buffer>();
  ALL.forEach((c, index) => {
    const seed = seedOf(index);
    const google = makePicture(seed, 400, 300);
    images.served.set(keyOf(c.google), { body: google, type: 'image/png' });
    if (c.fallback === 'missing') return saved.set(c.google, google);
    if (c.fallback === 'not an image') {
      images.served.set(keyOf(c.bigger), { body: '<html><body>Not found, but 200</body></html>', type: 'text/html' });
      return saved.set(c.google, google);
    }
    const bigger = c.fallback === 'not larger' ? makePicture(seed, 300, 225) : c.fallback === 'another picture' ? makePicture(seed + 50, 1000, 750) : makePicture(seed, 1000, 750);
    images.served.set(keyOf(c.bigger), { body: bigger, type: 'image/png' });
    saved.set(c.google, c.fallback ? google : bigger);
  });
  return saved;
}

async function appendResults(page: Page, origin: string): Promise<void> {
  await page.evaluate(
    ({ origin, results }) => {
      const grid = document.querySelector('[jsname="dTDiAc"]')?.parentElement;
      if (!grid) throw new Error('no grid');
      results.forEach(({ google, seed }, i) => {
        const result = document.createElement('div');
        result.setAttribute('jsname', 'dTDiAc');
        const href = `/imgres?imgurl=${encodeURIComponent(google)}&imgrefurl=${encodeURIComponent(`https://example.org/big-${i}.html`)}&w=400&h=300`;
        result.innerHTML = `<div jsname="qQjpJ"><h3><a jsname="sTFXNd" tabindex="0" href="${href}"><div class="H8Rx8c"><g-img><img class="YQ4gaf" width="200" height="150" alt="Big ${i}" src="${origin}/pic/${seed}/200x150.png"></g-img></div></a></h3></div>`;
        grid.append(result);
      });
    },
    { origin, results: ALL.map((c, index) => ({ google: c.google, seed: seedOf(index) })) },
  );
}

test('each rule’s bigger copy is kept when it is the same picture and larger; otherwise Google’s original', async ({ ext }) => {
  test.setTimeout(90_000);
  const expected = serve(ext.images);
  const page = await ext.openGoogle();
  const before = await page.locator(control).count();
  await appendResults(page, ext.images.origin);
  await expect(page.locator(control)).toHaveCount(before + ALL.length);
  for (let i = before; i < before + ALL.length; i++) await page.locator(control).nth(i).click({ modifiers: ['Shift'] });
  await page.locator('[data-testid="semantest-bulk-download"]').click();
  await expect(page.locator(`${control}[data-state="completed"]`)).toHaveCount(ALL.length, { timeout: 60_000 });

  const log = await ext.events();
  const files = ext.files();
  expect(files).toHaveLength(ALL.length);
  const onDisk = new Set(files.map((file) => sha256(readFileSync(`${ext.downloadDir}/${file}`))));
  for (const c of ALL) {
    const stream = log.find((event) => event.type === 'GoogleImageDownloadRequested' && (event.data as { imageUrl: string }).imageUrl === c.google)?.streamId;
    const events = log.filter((event) => event.streamId === stream);
    const types = events.map((event) => event.type);
    const label = `${c.rule} ${c.fallback ?? 'kept'}`;
    expect(onDisk.has(sha256(expected.get(c.google) as Buffer)), label).toBe(true);
    expect(events.find((event) => event.type === 'BiggerOriginalTried')?.data, label).toMatchObject({ rule: c.rule });
    // The bigger copy is asked for once; Google's original only when the bigger one is not kept.
    expect(ext.images.requests.filter((path) => path === pathOf(c.bigger)).length, label).toBe(1);
    expect(ext.images.requests.filter((path) => path === pathOf(c.google)).length, label).toBe(c.fallback ? 1 : 0);
    expect(types, label).not.toContain('GoogleImageDownloadFailed');
    if (c.fallback) {
      expect(types, label).toContain('BiggerOriginalRejected');
      expect(types, label).not.toContain('BiggerOriginalChosen');
    } else {
      expect(events.find((event) => event.type === 'BiggerOriginalChosen')?.data, label).toMatchObject({ rule: c.rule, width: 1000, height: 750 });
    }
  }
});
