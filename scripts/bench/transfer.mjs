// Benchmark area `transfer` (issue 16), with the BUILT extension in headless Chromium, driven from the worker
// through the TransferPort on its global scope (`__semantestPorts`), without the saga:
// - peakMemoryMbSaving200Mb: one 200 MiB original from the local image host fetched once in the offscreen document,
//   hashed, assembled as a Blob and saved by chrome.downloads from its blob: URL; the peak, above idle, of the
//   worker's and the document's JS heap plus array-buffer backing stores (lib/extension-heap.mjs). Idle: after a
//   small transfer created the document, and a collection in both.
// - transfer200MbMs: start → `fetched` (the whole body hashed and in a Blob); save200MbMs: download() → complete.
// - bytesFetchedPerSavedByte200Mb: bytes the host sent / bytes on disk.
// - transfer2MbMsMedian: start → `fetched` for a 2 MB original (one part: hashed by WebCrypto at its end), median
//   of 9, saved and released each time.
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { launchWithExtension } from '../chromium.mjs';
import { startImageHost } from '../image-host.mjs';
import { extensionHeap } from './lib/extension-heap.mjs';

export const targets = {
  peakMemoryMbSaving200Mb: { max: 64 },
};

const MB = 1_048_576;

/** In the worker: transfer `url`, save it as `filename`, wait for Chrome to complete it, release it. */
async function transferAndSave(worker, transferId, url, filename) {
  return worker.evaluate(
    async ({ transferId, url, filename }) => {
      const { transfers } = globalThis.__semantestPorts;
      const t0 = performance.now();
      const ended = new Promise((resolve) => {
        const stop = transfers.onFact((fact) => {
          if (fact.transferId === transferId && (fact.type === 'fetched' || fact.type === 'failed')) {
            stop();
            resolve(fact);
          }
        });
      });
      await transfers.start({ transferId, url, maxBytes: 400 * 1_048_576, headersTimeoutMs: 30_000, stallTimeoutMs: 30_000, allowDataImage: false });
      const end = await ended;
      if (end.type !== 'fetched') throw new Error(`transfer failed: ${JSON.stringify(end)}`);
      const t1 = performance.now();
      const id = await chrome.downloads.download({ url: await transfers.saveUrl(transferId), filename, conflictAction: 'overwrite' });
      await new Promise((resolve, reject) => {
        const check = async () => {
          const [item] = await chrome.downloads.search({ id });
          if (item?.state === 'complete') return resolve();
          if (item?.state === 'interrupted') return reject(new Error(`save interrupted: ${item.error}`));
          setTimeout(check, 20);
        };
        void check();
      });
      const t2 = performance.now();
      await transfers.release(transferId);
      return { transferMs: t1 - t0, saveMs: t2 - t1, size: end.size };
    },
    { transferId, url, filename },
  );
}

export async function run(ctx) {
  const root = ctx.tempDir('semantest-bench-transfer-');
  const downloadDir = join(root, 'downloads');
  const host = await startImageHost();
  const { context, worker, extensionId } = await launchWithExtension({ distDir: ctx.distDir, userDataDir: join(root, 'profile'), downloadDir, headless: true, localHosts: true });
  const forget = ctx.onCleanup(async () => {
    await context.close().catch(() => undefined);
    await host.close();
  });
  try {
    await transferAndSave(worker, 'warm', `${host.origin}/originals/dog.png`, 'Semantest/warm.png');
    const heap = await extensionHeap(context, extensionId);
    const idle = await heap.idle();
    const watching = heap.watch(20);
    const path = '/large/png/200/original.png';
    const timing = await transferAndSave(worker, 'big', `${host.origin}${path}`, 'Semantest/original-200.png');
    const { peak, samples } = await watching.stop();
    await heap.detach();
    const onDisk = statSync(join(downloadDir, 'Semantest', 'original-200.png')).size;
    const small = [];
    for (let i = 0; i < 9; i++) small.push((await transferAndSave(worker, `small-${i}`, `${host.origin}/sized/2000000/small-${i}.jpg`, `Semantest/small-${i}.jpg`)).transferMs);
    if (process.env.TRANSFER_BENCH_DETAIL) console.error('[transfer] idle', idle, 'peak', peak, 'samples', samples);
    return {
      peakMemoryMbSaving200Mb: (peak.total - idle.total) / MB,
      idleMemoryMb: idle.total / MB,
      transfer200MbMs: timing.transferMs,
      save200MbMs: timing.saveMs,
      bytesFetchedPerSavedByte200Mb: host.bytesSent(path) / onDisk,
      transfer2MbMsMedian: ctx.median(small),
      heapSamples: samples,
    };
  } finally {
    forget();
    await context.close().catch(() => undefined);
    await host.close();
  }
}
