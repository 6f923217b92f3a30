/**
 * One writer (issue #20, item 1): the options page's import, rebuild and compaction are done by the worker, between
 * its own appends. Started while 50 downloads run: nothing lost, nothing doubled, every stream's versions gap-free.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test, expect } from './fixtures.ts';
import type { StoredEvent } from '../../src/domain/events.ts';
import { makeJpeg, sha256 } from '../../scripts/image-host.mjs';

const DOWNLOADS = 50;
const IMPORTED = 40;

/** An exported-looking log of another browser: IMPORTED settled downloads, five events each. */
function otherLog(origin: string): string {
  const lines: string[] = [];
  for (let i = 0; i < IMPORTED; i++) {
    const streamId = `other-${i}`;
    const url = `${origin}/elsewhere/${i}.jpg`;
    const filename = `Semantest/other-${i}.jpg`;
    const steps: [string, number, object][] = [
      ['GoogleImageDownloadRequested', 2, { imageUrl: url, strategy: 'udm2_inline', title: `Other ${i}` }],
      ['ImageSourceValidated', 1, { attempt: 1, mimeType: 'image/jpeg', extension: 'jpg', filename, contentLength: 1000, transfer: 'url' }],
      ['DownloadInitiated', 1, { attempt: 1, filename, url }],
      ['DownloadStarted', 1, { attempt: 1, chromeDownloadId: 1000 + i }],
      ['GoogleImageDownloadCompleted', 2, { imageUrl: url, filePath: `/home/other/Downloads/${filename}`, fileSize: 1000, downloadTime: 40, mimeType: 'image/jpeg' }],
    ];
    steps.forEach(([type, schemaVersion, data], v) => {
      const meta = { correlationId: `${streamId}-c`, causationId: `${streamId}-x${v}` };
      lines.push(JSON.stringify({ eventId: `${streamId}-${v + 1}`, streamId, version: v + 1, type, schemaVersion, data, metadata: meta, ...meta, createdAt: Date.now() - 86_400_000 + i * 10 + v }));
    });
  }
  return `${lines.join('\n')}\n`;
}

test.setTimeout(120_000);

test(`import, rebuild and retention from the options page while ${DOWNLOADS} downloads run: nothing lost, nothing doubled, versions gap-free`, async ({ ext }) => {
  await ext.setSettings({ concurrency: 3, notifications: 'none' });
  // Each answer held: the downloads overlap the maintenance instead of finishing before it starts.
  ext.images.numbered.holdMs = 400;
  const file = join(ext.downloadDir, '..', 'other.ndjson');
  writeFileSync(file, otherLog(ext.images.origin));

  const sender = await ext.openPopup();
  const answers = await sender.evaluate(
    async ({ origin, count }) =>
      Promise.all(
        Array.from({ length: count }, (_, i) =>
          chrome.runtime.sendMessage({
            type: 'download.request',
            commandId: crypto.randomUUID(),
            image: { imageUrl: `${origin}/numbered/${i}.jpg`, title: `Numbered ${i}`, strategy: 'udm2_inline' },
          }),
        ),
      ),
    { origin: ext.images.origin, count: DOWNLOADS },
  );
  expect(answers.filter((answer: { ok?: boolean }) => answer?.ok === true)).toHaveLength(DOWNLOADS);

  const options = await ext.openOptions();
  const message = options.getByTestId('maintenance-message');
  const savedAtStart = ext.files().length;
  await options.getByTestId('import-input').setInputFiles(file);
  await expect(message).toHaveText(`Imported: ${IMPORTED * 5} taken, 0 already there, 0 refused.`, { timeout: 30_000 });
  await options.getByTestId('rebuild-button').click();
  await expect(message).toHaveText(/^Rebuilt the history from \d+ events\.$/, { timeout: 30_000 });
  await options.getByTestId('compact-button').click();
  await expect(options.getByTestId('compaction-report')).toHaveText(/^Removed \d+ intermediate events from \d+ downloads \(\d+ looked at\)\.$/, { timeout: 30_000 });
  const savedAtEnd = ext.files().length;
  // The three jobs ran while the downloads did.
  expect(savedAtStart).toBeLessThan(DOWNLOADS);
  expect(savedAtEnd).toBeLessThan(DOWNLOADS);

  await expect.poll(() => ext.files().filter((name) => name.startsWith('Semantest/') && !name.endsWith('.crdownload')).length, { timeout: 60_000 }).toBe(DOWNLOADS);
  await expect
    .poll(async () => (await ext.events()).filter((e) => e.type === 'GoogleImageDownloadCompleted' && !e.metadata.imported).length, { timeout: 30_000 })
    .toBe(DOWNLOADS);

  const events = await ext.events();
  expect(new Set(events.map((e) => e.eventId)).size).toBe(events.length);
  const positions = events.map((e) => e.position);
  expect(positions).toEqual([...positions].sort((a, b) => a - b));
  const streams = new Map<string, StoredEvent[]>();
  for (const e of events) streams.set(e.streamId, [...(streams.get(e.streamId) ?? []), e]);
  const own = [...streams.values()].filter((stream) => stream[0]?.type === 'GoogleImageDownloadRequested' && !stream[0].metadata.imported);
  const imported = [...streams.values()].filter((stream) => stream[0]?.metadata.imported);
  expect(own).toHaveLength(DOWNLOADS);
  expect(imported).toHaveLength(IMPORTED);
  for (const stream of [...own, ...imported]) {
    expect(stream.map((e) => e.version)).toEqual(stream.map((_e, i) => i + 1));
    expect(stream.filter((e) => e.type === 'GoogleImageDownloadCompleted')).toHaveLength(1);
  }
  expect(imported.every((stream) => stream.length === 5 && stream.every((e) => e.metadata.imported))).toBe(true);
  // Every image once, byte for byte.
  const files = ext.files().filter((name) => name.startsWith('Semantest/'));
  expect(files).toHaveLength(DOWNLOADS);
  const onDisk = new Set(files.map((name) => sha256(readFileSync(join(ext.downloadDir, name)))));
  expect(onDisk).toEqual(new Set(Array.from({ length: DOWNLOADS }, (_, i) => sha256(makeJpeg(`numbered ${i}.jpg`, 1000)))));
  // The history shows both, the imported ones as such.
  const popup = await ext.openPopup();
  await popup.getByTestId('history-search').fill('Other 17');
  await expect(popup.locator('[data-testid="history-item"][data-imported="true"]')).toHaveCount(1);
});
