/** "Save as type": the saga's optimising step (with a fake converter) and what is never flattened. */
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/store/database.ts';
import { DexieEventStore } from '../../src/store/dexie-event-store.ts';
import { downloadQueries } from '../../src/store/download-queries.ts';
import { DownloadSaga } from '../../src/background/download-saga.ts';
import { Settings } from '../../src/background/settings.ts';
import type { BodyResult, ProbeResult } from '../../src/background/probe.ts';
import type { ConvertImage } from '../../src/background/convert.ts';
import { conversionBlocker, gifFrames, isAnimatedWebp, isApng } from '../../src/domain/image-type.ts';
import { migrateSettings } from '../../src/background/settings.ts';
import type { StoredEvent } from '../../src/domain/events.ts';
import { FakeDownloads } from '../fakes/downloads.ts';

const PNG = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52, 0, 0, 0, 4, 0, 0, 0, 3, 8, 6, 0, 0, 0, 0, 0, 0, 0]);
/** A GIF with `frames` 1×1 frames (no colour tables). */
function gif(frames: number): Uint8Array {
  const out = [...'GIF89a'].map((c) => c.charCodeAt(0));
  out.push(1, 0, 1, 0, 0x00, 0, 0);
  for (let i = 0; i < frames; i++) {
    out.push(0x21, 0xf9, 4, 0, 10, 0, 0, 0); // graphic control extension
    out.push(0x2c, 0, 0, 0, 0, 1, 0, 1, 0, 0x00, 2, 2, 0x4c, 0x01, 0);
  }
  out.push(0x3b);
  return new Uint8Array(out);
}

let n = 0;
function setup(body: { bytes: Uint8Array; mime: string }, settings: Partial<Settings>, convert?: ConvertImage) {
  const db = openDatabase(`saga-convert-${++n}`);
  const queries = downloadQueries(db);
  const downloads = new FakeDownloads();
  const conversions: string[] = [];
  const ext = body.mime.split('/')[1] as string;
  const saga = new DownloadSaga({
    store: new DexieEventStore(db),
    queries,
    downloads,
    alarms: { wakeAt: async () => undefined, clear: async () => undefined },
    tabs: { send: () => undefined },
    referer: { hold: async () => undefined, release: async () => undefined },
    pages: { broadcast: () => undefined },
    probe: async (): Promise<ProbeResult> => ({ ok: true, type: { mimeType: body.mime, extension: ext === 'jpeg' ? 'jpg' : ext }, contentLength: body.bytes.length, declaredMime: body.mime }),
    fetchBody: async (): Promise<BodyResult> => ({ ok: true, bytes: body.bytes, type: { mimeType: body.mime, extension: ext } }),
    convert:
      convert ??
      (async (bytes, from, to) => {
        conversions.push(`${from}->${to}`);
        return { bytes: new Uint8Array([0xff, 0xd8, 0xff, 1, 2]), mimeType: to, width: 4, height: 3 };
      }),
    settings: () => Settings.parse(settings),
    now: () => Date.now(),
    random: () => 0.5,
    newId: () => crypto.randomUUID(),
  });
  downloads.onChanged((delta) => void saga.onDownloadChanged(delta));
  downloads.onCreated((item) => saga.onDownloadCreated(item));
  const events = (): Promise<StoredEvent[]> => db.events.orderBy('position').toArray();
  const settled = async (streamId: string): Promise<void> => {
    const start = Date.now();
    while (!['completed', 'failed', 'dead-lettered'].includes((await queries.get(streamId))?.phase ?? '')) {
      if (Date.now() - start > 5000) throw new Error('not settled');
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  };
  return { saga, downloads, conversions, events, settled, queries };
}

const image = { imageUrl: 'https://images.example/photo.png', title: 'A photo', strategy: 'udm2_inline' as const };

describe('Save as type', () => {
  it('given JPEG as the default, when a PNG is saved, then it is converted in the worker, recorded, and saved as .jpg', async () => {
    const t = setup({ bytes: PNG, mime: 'image/png' }, { saveAs: 'jpeg', convertQuality: 0.8 });
    const { streamId } = await t.saga.request(image, crypto.randomUUID(), null);
    await t.settled(streamId);
    expect(t.conversions).toEqual(['image/png->image/jpeg']);
    const events = await t.events();
    expect(events.map((e) => e.type)).toEqual([
      'GoogleImageDownloadRequested',
      'ImageSourceValidated',
      'DownloadInitiated',
      'ImageConverted',
      'DownloadStarted',
      'GoogleImageDownloadCompleted',
    ]);
    expect(events[1]?.data).toMatchObject({ transfer: 'inline', convertTo: 'image/jpeg' });
    expect(events[3]?.data).toMatchObject({ from: 'image/png', to: 'image/jpeg', fromSize: PNG.length, toSize: 5, width: 4, height: 3, filename: 'Semantest/photo.jpg', originalKept: false });
    expect(t.downloads.calls).toHaveLength(1);
    expect(t.downloads.calls[0]).toMatchObject({ filename: 'Semantest/photo.jpg' });
    expect(t.downloads.calls[0]?.url.startsWith('data:image/jpeg;base64,')).toBe(true);
    expect(events.at(-1)?.data).toMatchObject({ mimeType: 'image/jpeg' });
  });

  it('with "keep the original", both files are saved; per download, the request can ask for another type', async () => {
    const t = setup({ bytes: PNG, mime: 'image/png' }, { saveAs: 'original', keepOriginal: true });
    const { streamId } = await t.saga.request(image, crypto.randomUUID(), null, { saveAs: 'webp' });
    await t.settled(streamId);
    expect(t.conversions).toEqual(['image/png->image/webp']);
    expect(t.downloads.calls.map((c) => c.filename)).toEqual(['Semantest/photo.png', 'Semantest/photo.webp']);
    expect((await t.events()).find((e) => e.type === 'ImageConverted')?.data).toMatchObject({ originalKept: true });
  });

  it('an image already of the asked type is not converted (and is fetched by Chrome itself)', async () => {
    const t = setup({ bytes: PNG, mime: 'image/png' }, { saveAs: 'png' });
    const { streamId } = await t.saga.request(image, crypto.randomUUID(), null);
    await t.settled(streamId);
    expect(t.conversions).toEqual([]);
    expect(t.downloads.calls[0]?.url).toBe(image.imageUrl);
  });

  it('an animated GIF is never flattened: skipped with the reason, saved as the original .gif', async () => {
    const t = setup({ bytes: gif(2), mime: 'image/gif' }, { saveAs: 'png' });
    const { streamId } = await t.saga.request({ ...image, imageUrl: 'https://images.example/anim.gif' }, crypto.randomUUID(), null);
    await t.settled(streamId);
    expect(t.conversions).toEqual([]);
    const skipped = (await t.events()).find((e) => e.type === 'ImageConversionSkipped');
    expect(skipped?.data).toMatchObject({ from: 'image/gif', to: 'image/png', reason: expect.stringContaining('animated') });
    expect(t.downloads.calls[0]).toMatchObject({ filename: 'Semantest/anim.gif' });
    expect((await t.queries.get(streamId))?.phase).toBe('completed');
  });

  it('a converter that fails keeps the original, with the reason recorded', async () => {
    const t = setup({ bytes: PNG, mime: 'image/png' }, { saveAs: 'jpeg' }, async () => {
      throw new Error('cannot decode');
    });
    const { streamId } = await t.saga.request(image, crypto.randomUUID(), null);
    await t.settled(streamId);
    expect((await t.events()).find((e) => e.type === 'ImageConversionSkipped')?.data).toMatchObject({ reason: expect.stringContaining('cannot decode') });
    expect(t.downloads.calls[0]).toMatchObject({ filename: 'Semantest/photo.png' });
  });

  it('knows what must not be flattened', () => {
    expect(gifFrames(gif(1))).toBe(1);
    expect(gifFrames(gif(3))).toBe(2); // counting stops at 2
    expect(conversionBlocker(gif(1), 'image/gif')).toBeNull();
    expect(conversionBlocker(gif(2), 'image/gif')).toMatch(/animated/);
    expect(conversionBlocker(new TextEncoder().encode('<svg xmlns="http://www.w3.org/2000/svg"/>'), 'image/svg+xml')).toMatch(/vector/);
    const chunk = (type: string, length = 0): number[] => [0, 0, 0, length, ...[...type].map((c) => c.charCodeAt(0)), ...new Array<number>(length + 4).fill(0)];
    const png = (...chunks: number[][]): Uint8Array => new Uint8Array([...PNG.subarray(0, 8), ...chunks.flat()]);
    expect(isApng(png(chunk('IHDR', 13), chunk('acTL', 8), chunk('IDAT', 2)))).toBe(true);
    expect(isApng(png(chunk('IHDR', 13), chunk('IDAT', 2), chunk('acTL', 8)))).toBe(false);
    const webp = (flags: number): Uint8Array => new Uint8Array([...'RIFF'].map((c) => c.charCodeAt(0)).concat([0, 0, 0, 0], [...'WEBPVP8X'].map((c) => c.charCodeAt(0)), [10, 0, 0, 0, flags, 0, 0, 0]));
    expect(isAnimatedWebp(webp(0x02))).toBe(true);
    expect(isAnimatedWebp(webp(0x10))).toBe(false);
  });

  it('settings stored before "Save as type" existed still parse, with the new fields at their defaults', () => {
    const old = migrateSettings({ version: 1, settings: { folder: 'Pics', concurrency: 2 } });
    expect(old).toMatchObject({ folder: 'Pics', concurrency: 2, saveAs: 'original', convertQuality: 0.9, keepOriginal: false });
    expect(migrateSettings({ version: 1, settings: { folder: 'Pics', saveAs: 'bmp' } })).toMatchObject({ folder: 'Pics', saveAs: 'original' });
  });
});
