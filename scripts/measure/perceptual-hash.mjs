// Measures the source-page finder's "same picture" test (src/domain/perceptual-hash.ts) on real thumbnails, with
// the worker's own decoder (src/background/picture-decoder.ts) running in Chromium. Prints numbers, asserts nothing.
//
// Pictures: the real thumbnails inlined as data: JPEGs in the real Google pages (test/fixtures/google-real/): 12 cats
// in the 2024 page, 200 photos of one village and its wine in the 2025 page (many alike: hard negatives).
// Same picture (should match): each thumbnail against copies of itself made the way originals and thumbnails
// differ — scaled up ×2.5 and ×4 (a larger "original"), scaled down to 60 % and re-encoded as JPEG 0.5 (a worse
// thumbnail), re-encoded as WebP 0.8, and both (down 60 % vs up ×4).
// Different pictures (should not match): every pair of distinct thumbnails.
// Also shown, not counted: 4 % cropped off each side (a site's own crop is not the same picture at a larger size).
//
// Run: node scripts/measure/perceptual-hash.mjs   (≈ 1 min; MEASURE_LIMIT=50 for fewer pictures)
import { readFileSync } from 'node:fs';
import { build } from 'vite';
import { chromium } from 'playwright-core';
import { chromiumPath } from '../chromium.mjs';

const files = ['test/fixtures/google-real/udm2-2024-08-cat.html', 'test/fixtures/google-real/udm2-2025-06-chateau-chalon-singlefile.html'];
const seen = new Set();
const pictures = [];
for (const file of files) {
  for (const match of readFileSync(file, 'utf8').matchAll(/src="?(data:image\/jpeg;base64,[A-Za-z0-9+/=]{2000,})/g)) {
    if (seen.has(match[1])) continue;
    seen.add(match[1]);
    pictures.push(match[1]);
  }
}
const limit = Number(process.env.MEASURE_LIMIT ?? pictures.length);
const used = pictures.slice(0, limit);

const bundle = await build({
  configFile: false,
  logLevel: 'warn',
  build: { write: false, minify: false, lib: { entry: 'scripts/measure/perceptual-hash-entry.ts', formats: ['iife'], name: 'Phash' } },
});
const code = (Array.isArray(bundle) ? bundle[0] : bundle).output[0].code;

const browser = await chromium.launch({ executablePath: chromiumPath(), args: ['--no-sandbox', '--disable-gpu'] });
const page = await browser.newPage();
await page.addScriptTag({ content: code });
const result = await page.evaluate(async (sources) => {
  const { fingerprintImage, comparePictures, hashDistance, colourDistance } = window.Phash;
  const colour = { same: [], different: [], crop: [] };
  const blobOf = async (url) => (await fetch(url)).blob();
  async function variant(blob, scale, type, quality, crop = 0) {
    const bitmap = await createImageBitmap(blob);
    const sw = bitmap.width * (1 - 2 * crop);
    const sh = bitmap.height * (1 - 2 * crop);
    const canvas = new OffscreenCanvas(Math.max(1, Math.round(sw * scale)), Math.max(1, Math.round(sh * scale)));
    const context = canvas.getContext('2d');
    context.imageSmoothingQuality = 'high';
    context.drawImage(bitmap, bitmap.width * crop, bitmap.height * crop, sw, sh, 0, 0, canvas.width, canvas.height);
    bitmap.close();
    return canvas.convertToBlob({ type, quality });
  }
  const prints = [];
  const same = { up25: [], up4: [], down60jpeg50: [], webp80: [], down60VsUp4: [] };
  const sameVerdicts = [];
  const crops = [];
  for (const source of sources) {
    const blob = await blobOf(source);
    const thumbnail = await fingerprintImage(blob);
    prints.push(thumbnail);
    const up25 = await fingerprintImage(await variant(blob, 2.5, 'image/jpeg', 0.85));
    const up4 = await fingerprintImage(await variant(blob, 4, 'image/jpeg', 0.85));
    const down = await fingerprintImage(await variant(blob, 0.6, 'image/jpeg', 0.5));
    const webp = await fingerprintImage(await variant(blob, 1, 'image/webp', 0.8));
    const crop = await fingerprintImage(await variant(blob, 2.5, 'image/jpeg', 0.85, 0.04));
    same.up25.push(hashDistance(thumbnail, up25));
    same.up4.push(hashDistance(thumbnail, up4));
    same.down60jpeg50.push(hashDistance(thumbnail, down));
    same.webp80.push(hashDistance(thumbnail, webp));
    same.down60VsUp4.push(hashDistance(down, up4));
    for (const [a, b] of [[thumbnail, up25], [thumbnail, up4], [down, up4], [thumbnail, webp]]) {
      sameVerdicts.push(comparePictures(a, b));
      colour.same.push(colourDistance(a, b));
    }
    colour.crop.push(colourDistance(thumbnail, crop));
    crops.push({ distance: hashDistance(thumbnail, crop), same: comparePictures(thumbnail, crop).same });
  }
  const different = [];
  const differentVerdicts = { same: 0, flat: 0, shape: 0, brightness: 0, hash: 0, colour: 0 };
  const closest = [];
  for (let i = 0; i < prints.length; i += 1) {
    for (let j = i + 1; j < prints.length; j += 1) {
      const distance = hashDistance(prints[i], prints[j]);
      different.push(distance);
      colour.different.push(colourDistance(prints[i], prints[j]));
      const verdict = comparePictures(prints[i], prints[j]);
      differentVerdicts[verdict.same ? 'same' : verdict.why] += 1;
      if (verdict.same) closest.push({ i, j, distance, colour: Math.round(colourDistance(prints[i], prints[j]) * 10) / 10 });
    }
  }
  const flatThumbnails = prints.filter((print) => print.contrast < 2).length;
  return { colour, same, sameVerdicts: { total: sameVerdicts.length, same: sameVerdicts.filter((v) => v.same).length, not: sameVerdicts.filter((v) => !v.same).map((v) => `${v.why}:${v.distance}`) }, crops, different, differentVerdicts, closest, flatThumbnails };
}, used);
await browser.close();

const percentile = (values, p) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
};
const line = (name, values) => console.log(`${name.padEnd(26)} n=${String(values.length).padStart(5)}  min ${percentile(values, 0)}  p50 ${percentile(values, 50)}  p95 ${percentile(values, 95)}  p99 ${percentile(values, 99)}  max ${Math.max(...values)}`);
console.log(`${used.length} real thumbnails (of ${pictures.length}); distances in bits of 128`);
console.log('same picture:');
for (const [name, values] of Object.entries(result.same)) line(`  ${name}`, values);
console.log(`  comparePictures: ${result.sameVerdicts.same} of ${result.sameVerdicts.total} same; not: ${result.sameVerdicts.not.join(', ') || 'none'}`);
console.log('different pictures:');
line('  every pair', result.different);
console.log(`  comparePictures: ${JSON.stringify(result.differentVerdicts)}`);
for (const threshold of [12, 16, 20, 24, 28, 32]) {
  const sameAll = Object.values(result.same).flat();
  console.log(`  threshold ${threshold}: same pictures within ${(100 * sameAll.filter((d) => d <= threshold).length / sameAll.length).toFixed(2)} %, different pairs within ${result.different.filter((d) => d <= threshold).length} of ${result.different.length}`);
}
console.log(`different pictures taken for the same (look at them: copies of one photo on two sites are the same picture): ${result.closest.map((c) => `${c.i}-${c.j} (hash ${c.distance}, colour ${c.colour})`).join(', ') || 'none'}`);
line('4 % crop (not counted)', result.crops.map((c) => c.distance));
console.log(`  crops taken for the same picture: ${result.crops.filter((c) => c.same).length} of ${result.crops.length}`);
for (const [name, values] of Object.entries(result.colour)) line(`colour ${name}`, values.map((v) => Math.round(v * 10) / 10));
for (const t of [4, 5, 6, 8, 10]) console.log(`  colour threshold ${t}: same ${(100 * result.colour.same.filter((d) => d <= t).length / result.colour.same.length).toFixed(2)} %, different ${result.colour.different.filter((d) => d <= t).length}, crops ${result.colour.crop.filter((d) => d <= t).length}`);
console.log(`flat thumbnails (contrast < 2): ${result.flatThumbnails}`);
