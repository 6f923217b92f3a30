/**
 * Bigger originals in the saga (docs/decisions/0046): the bigger address is asked first and kept only when it is an
 * image, the same picture as Google's thumbnail and larger; otherwise Google's original, with one request lost.
 */
import { describe, expect, it } from 'vitest';
import type { PictureDeps } from '../../src/background/saga/picture-check.ts';
import type { ImageCandidate } from '../../src/domain/events.ts';
import { fingerprint, FINGERPRINT_SIZE } from '../../src/domain/perceptual-hash.ts';
import type { Settings } from '../../src/shared/settings.ts';
import { sagaHarness, type Harness } from './saga-harness.ts';

const THUMB = 'https://upload.wikimedia.org/wikipedia/commons/thumb/3/3f/Fronalpstock_big.jpg/800px-Fronalpstock_big.jpg';
const FULL = 'https://upload.wikimedia.org/wikipedia/commons/3/3f/Fronalpstock_big.jpg';
const GSTATIC = 'https://encrypted-tbn0.gstatic.com/images?q=tbn:fronalp';

/** A fake picture: a PNG signature, then `seed WxH` (what the fake decoder reads back). */
const picture = (seed: number, width: number, height: number): Uint8Array =>
  new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, ...new TextEncoder().encode(`${seed} ${width}x${height}`)]);

function pixels(seed: number): Uint8ClampedArray {
  const out = new Uint8ClampedArray(FINGERPRINT_SIZE * FINGERPRINT_SIZE * 4);
  for (let y = 0; y < FINGERPRINT_SIZE; y += 1) {
    for (let x = 0; x < FINGERPRINT_SIZE; x += 1) {
      const i = (y * FINGERPRINT_SIZE + x) * 4;
      out.fill((Math.sin((x * ((seed % 7) + 1)) / 9 + seed) * 0.5 + Math.cos((y * (((seed * 3) % 5) + 1)) / 7) * 0.5) * 100 + 128, i, i + 3);
      out[i + 3] = 255;
    }
  }
  return out;
}

function fakePictures(t: () => Harness): PictureDeps {
  return {
    blobOf: async (transferId) => {
      const url = await t().transfers.saveUrl(transferId);
      const held = url ? t().transfers.blobAt(url) : undefined;
      return held ? new Blob([held.bytes as BlobPart]) : null;
    },
    thumbnail: async () => new Blob([picture(1, 200, 150) as BlobPart]),
    fingerprint: async (blob) => {
      const match = /^(\d+) (\d+)x(\d+)$/.exec(new TextDecoder().decode(new Uint8Array(await blob.arrayBuffer()).subarray(8)));
      if (!match) throw new Error('not decodable');
      return fingerprint(pixels(Number(match[1])), FINGERPRINT_SIZE, Number(match[2]), Number(match[3]));
    },
  };
}

const result = (extra: Partial<ImageCandidate> = {}): ImageCandidate => ({ imageUrl: THUMB, thumbnailUrl: GSTATIC, title: 'Fronalpstock', width: 800, height: 600, strategy: 'udm2_inline', ...extra });

async function harness(bigger: (url: string) => ReturnType<Harness['transfers']['answer']>, settings: Partial<Settings> = {}) {
  const box: { t?: Harness } = {};
  const h = (box.t = await sagaHarness({ settings, pictures: fakePictures(() => box.t as Harness) }));
  const asked: string[] = [];
  h.transfers.answer = (request) => {
    asked.push(request.url);
    return request.url === THUMB ? { kind: 'image', bytes: picture(1, 800, 600), width: 800, height: 600 } : bigger(request.url);
  };
  return { t: h, asked };
}

async function run(t: Harness, image = result()) {
  const { streamId } = await t.saga.request(image, crypto.randomUUID(), 7);
  const row = await t.settled(streamId);
  const events = await t.store.readStream(streamId);
  const saved = t.downloads.calls.map((call) => t.transfers.blobAt(call.url)?.bytes);
  return { row, events, types: events.map((event) => event.type), saved };
}

describe('bigger originals in the saga', () => {
  it('the bigger copy, the same picture and larger, is the one saved; Google’s original is never asked for', async () => {
    const { t, asked } = await harness(() => ({ kind: 'image', bytes: picture(1, 2000, 1500), width: 2000, height: 1500 }));
    const { row, events, types } = await run(t);
    expect(row.phase).toBe('completed');
    expect(asked).toEqual([FULL]);
    expect(types.slice(0, 4)).toEqual(['GoogleImageDownloadRequested', 'BiggerOriginalTried', 'ImageSourceValidated', 'ImageFetched']);
    expect(events.find((event) => event.type === 'BiggerOriginalChosen')?.data).toEqual({ attempt: 1, rule: 'wikimedia', url: FULL, width: 2000, height: 1500 });
    expect(row.bytesToSave).toBe(picture(1, 2000, 1500).length);
    expect(row.failures).toBe(0);
  });

  it.each([
    ['missing (404)', { kind: 'fail', failure: { code: 'http_client_error', retryable: false, message: 'The server answered 404 Not Found.' } }, /404/],
    ['not an image', { kind: 'fail', failure: { code: 'not_an_image', retryable: false, message: 'The server sent a web page instead of the image.' } }, /web page/],
    ['a server error', { kind: 'fail', failure: { code: 'http_server_error', retryable: true, message: 'The server answered 503.' } }, /503/],
    ['not larger (its header says so)', { kind: 'image', bytes: picture(1, 640, 480), width: 640, height: 480 }, /640×480, not larger than Google's original \(800×600\)/],
    ['not the same picture', { kind: 'image', bytes: picture(5, 2000, 1500), width: 2000, height: 1500 }, /Not kept/],
    ['not larger once decoded', { kind: 'image', bytes: picture(1, 800, 600) }, /800×600, not larger/],
  ] as const)('the bigger copy %s: Google’s original is saved, in the same attempt, with the reason recorded', async (_what, answer, reason) => {
    const { t, asked } = await harness(() => answer as ReturnType<Harness['transfers']['answer']>);
    const { row, events, types } = await run(t);
    expect(row.phase).toBe('completed');
    expect(asked).toEqual([FULL, THUMB]);
    expect(types).toContain('BiggerOriginalRejected');
    expect(types).not.toContain('BiggerOriginalChosen');
    expect(types).not.toContain('GoogleImageDownloadFailed');
    expect((events.find((event) => event.type === 'BiggerOriginalRejected')?.data as { reason: string }).reason).toMatch(reason);
    expect(row.bytesToSave).toBe(picture(1, 800, 600).length);
    expect(row.attempt).toBe(1);
  });

  it('off in the settings, or without Google’s size to compare with: only Google’s original is asked for', async () => {
    for (const [settings, image] of [[{ biggerOriginals: false }, result()], [{}, result({ width: undefined, height: undefined })]] as const) {
      const { t, asked } = await harness(() => ({ kind: 'image', bytes: picture(1, 2000, 1500), width: 2000, height: 1500 }), settings);
      const { types } = await run(t, image);
      expect(asked).toEqual([THUMB]);
      expect(types).not.toContain('BiggerOriginalTried');
    }
  });
});
