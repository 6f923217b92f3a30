/**
 * The transfer side in a real Chromium: the offscreen document fetches the original once, sniffs and hashes it,
 * and chrome.downloads in the worker saves the document's `blob:` URL — the bytes checked are the bytes on disk.
 * Driven from the worker through the port on its global scope (`__semantestTransfers`).
 */
import { readFileSync } from 'node:fs';
import type { Worker } from '@playwright/test';
import { sha256 } from '../../scripts/image-host.mjs';
import type { TransferFact, TransferRequest } from '../../src/platform/transfer-port.ts';
import { expect, test } from './fixtures.ts';

interface Saved {
  facts: TransferFact[];
  saveUrl: string | null;
  downloadId: number;
}

/** Starts a transfer, waits for its end, and (when fetched) saves its blob: URL as `filename`. */
function transferAndSave(worker: Worker, request: Partial<TransferRequest> & { transferId: string; url: string }, filename: string): Promise<Saved> {
  return worker.evaluate(
    async ({ request, filename }) => {
      const port = (globalThis as unknown as { __semantestTransfers: import('../../src/platform/transfer-port.ts').TransferPort }).__semantestTransfers;
      const facts: TransferFact[] = [];
      const ended = new Promise<void>((resolve) =>
        port.onFact((fact) => {
          if (fact.transferId !== request.transferId) return;
          facts.push(fact);
          if (fact.type === 'fetched' || fact.type === 'failed') resolve();
        }),
      );
      await port.start({ maxBytes: 300 * 1_048_576, headersTimeoutMs: 10_000, stallTimeoutMs: 10_000, allowDataImage: false, ...request });
      await ended;
      const saveUrl = await port.saveUrl(request.transferId);
      const downloadId = saveUrl ? await chrome.downloads.download({ url: saveUrl, filename, conflictAction: 'uniquify' }) : -1;
      return { facts, saveUrl, downloadId };
    },
    { request, filename },
  );
}

async function waitComplete(worker: Worker, downloadId: number): Promise<void> {
  await expect
    .poll(() => worker.evaluate(async (id) => (await chrome.downloads.search({ id }))[0]?.state, downloadId))
    .toBe('complete');
}

test('the offscreen document fetches the original once; chrome.downloads saves its blob: URL, byte for byte', async ({ ext }) => {
  const worker = await ext.worker();
  const original = ext.images.images.get('dog.png')?.original;
  if (!original) throw new Error('fixture missing');
  const saved = await transferAndSave(worker, { transferId: 'smoke:1', url: `${ext.images.origin}/originals/dog.png` }, 'Semantest/transfer-smoke.png');

  expect(saved.facts.map((fact) => fact.type)).toEqual(['sniffed', 'fetched']);
  expect(saved.facts[0]).toMatchObject({ type: 'sniffed', mimeType: 'image/png', extension: 'png', declaredMime: 'image/png', contentLength: original.length, width: 160, height: 120 });
  expect(saved.facts[1]).toEqual({ type: 'fetched', transferId: 'smoke:1', size: original.length, contentHash: sha256(original), mimeType: 'image/png' });
  expect(saved.saveUrl).toMatch(/^blob:chrome-extension:\/\//);

  await waitComplete(worker, saved.downloadId);
  const file = await ext.waitForFile('Semantest/transfer-smoke.png');
  expect(sha256(readFileSync(file))).toBe(sha256(original));
  expect(ext.images.hits('/originals/dog.png')).toBe(1);

  // status() answers what the side holds until release; then nothing is held and the URL is gone.
  const held = await worker.evaluate(async () => {
    const port = (globalThis as unknown as { __semantestTransfers: import('../../src/platform/transfer-port.ts').TransferPort }).__semantestTransfers;
    const before = await port.status();
    await port.release('smoke:1');
    return { before, after: await port.status(), url: await port.saveUrl('smoke:1') };
  });
  expect(held.before).toEqual([expect.objectContaining({ transferId: 'smoke:1', state: 'fetched', bytesReceived: original.length, saveUrl: saved.saveUrl })]);
  expect(held.after).toEqual([]);
  expect(held.url).toBeNull();
});
