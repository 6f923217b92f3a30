/**
 * Sidecar metadata (docs/decisions/0048): with the setting on, a JSON file beside each saved image, made as a Blob by
 * the transfer side and saved through Chrome like the image; recorded in DownloadInitiated; off by default.
 */
import { describe, expect, it } from 'vitest';
import { sha256 } from '../fakes/transfer.ts';
import { sagaHarness } from './saga-harness.ts';

describe('sidecar metadata', () => {
  it('is saved beside the image with its SHA-256, addresses, query, title, time and correlation id', async () => {
    const t = await sagaHarness({ settings: { sidecarMetadata: true } });
    const { streamId } = await t.request('cat.jpg', 7, {}, { query: 'cats', width: 640, height: 480 });
    const row = await t.settled(streamId);
    expect(row.phase).toBe('completed');
    const image = t.downloads.files.get('/downloads/Semantest/cat.png');
    const sidecar = t.downloads.files.get('/downloads/Semantest/cat.png.json');
    expect(image?.bytes && sidecar?.bytes).toBeTruthy();
    const json = JSON.parse(new TextDecoder().decode(sidecar?.bytes)) as Record<string, unknown>;
    expect(json).toMatchObject({
      file: 'cat.png',
      imageUrl: 'https://images.example/cat.jpg',
      sourcePage: 'https://www.example.org/page',
      query: 'cats',
      title: 'A cat',
      mimeType: 'image/png',
      sha256: sha256(image?.bytes as Uint8Array),
      correlationId: row.correlationId,
      downloadId: streamId,
    });
    expect(json.savedAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d/);
    const initiated = (await t.store.readStream(streamId)).find((event) => event.type === 'DownloadInitiated');
    expect(initiated?.data).toMatchObject({ sidecar: 'Semantest/cat.png.json' });
    // The Blobs are released once the image is saved.
    expect(t.transfers.holds(`${streamId}:v1`)).toBe(false);
  });

  it('is off by default: only the image is saved', async () => {
    const t = await sagaHarness();
    const { streamId } = await t.request('dog.jpg', 7);
    await t.settled(streamId);
    expect([...t.downloads.files.keys()]).toEqual(['/downloads/Semantest/dog.png']);
  });
});
