/**
 * The batch report in a real Chromium (issue 19): a batch with images saved, one saved before (a duplicate), two
 * failing (gone, not an image) and results the page skipped as too small. The popup's counts equal the files on
 * disk and the log; the CSV and JSON exports say the same.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test, expect } from './fixtures.ts';
import { makeJpeg } from '../../scripts/image-host.mjs';

test('the batch report’s counts equal disk and log, and its CSV and JSON exports say the same', async ({ ext }) => {
  for (const name of ['r1.jpg', 'r2.jpg', 'r3.jpg']) ext.images.images.set(name, { original: makeJpeg(`report ${name}`, 2000), thumb: makeJpeg(`thumb ${name}`), contentType: 'image/jpeg' });
  const origin = ext.images.origin;
  const image = (path: string) => ({ imageUrl: `${origin}${path}`, strategy: 'udm2_inline', query: 'report' });
  const popup = await ext.openPopup();
  const send = (images: object[], skipped: number) =>
    popup.evaluate(({ images, skipped }) => chrome.runtime.sendMessage({ type: 'download.batch', commandId: crypto.randomUUID(), images, skipped: { smaller: skipped } }), { images, skipped });

  // r1 is saved first, alone: in the batch it is "already saved".
  expect(await send([image('/originals/r1.jpg')], 0)).toMatchObject({ ok: true });
  await ext.waitForFile('Semantest/r1.jpg');
  const batch = [image('/originals/r1.jpg'), image('/originals/r2.jpg'), image('/originals/r3.jpg'), image('/fault/404/gone.jpg'), image('/fault/html/page.jpg')];
  expect(await send(batch, 3)).toMatchObject({ ok: true });

  const fresh = await ext.openPopup();
  const report = fresh.getByTestId('batch-report');
  await expect(report).toHaveAttribute('data-running', '0', { timeout: 20_000 });
  await expect(report).toHaveAttribute('data-saved', '2');
  await expect(report).toHaveAttribute('data-duplicates', '1');
  await expect(report).toHaveAttribute('data-skipped', '3');
  await expect(report).toHaveAttribute('data-failed', '2');
  await expect(report).toContainText('Last batch: 2 saved, 1 already saved, 3 skipped as too small, 2 failed.');
  await expect(fresh.getByTestId('batch-reasons')).toContainText('no longer on its server');

  // Disk: r1 once (from before), r2 and r3 from the batch, nothing for the failures.
  expect(ext.files()).toEqual(['Semantest/r1.jpg', 'Semantest/r2.jpg', 'Semantest/r3.jpg']);
  // Log: the batch's record, and as many completions and final failures in its correlation as the report counts.
  const log = await ext.events();
  const record = log.find((event) => event.type === 'DownloadBatchRequested' && (event.data as { size: number }).size === 5);
  expect(record?.data).toMatchObject({ size: 5, skippedSmaller: 3, alreadySaved: [expect.any(String)] });
  const inBatch = log.filter((event) => event.correlationId === record?.streamId);
  expect(inBatch.filter((event) => event.type === 'GoogleImageDownloadCompleted')).toHaveLength(2);
  expect(inBatch.filter((event) => event.type === 'GoogleImageDownloadFailed' && (event.data as { nextAttemptAt: number | null }).nextAttemptAt === null)).toHaveLength(2);

  await fresh.getByTestId('batch-export-csv').click();
  const csvPath = await ext.waitForFile(/^semantest-batch-.*\.csv$/);
  const csv = readFileSync(csvPath, 'utf8').trim().split('\r\n');
  expect(csv[0]).toBe('"outcome","file","imageUrl","reason"');
  const outcomes = csv.slice(1).map((line) => /^"([^"]*)"/.exec(line)?.[1]);
  expect(outcomes.sort()).toEqual(['duplicate', 'failed', 'failed', 'saved', 'saved', 'skipped-smaller']);

  await fresh.getByTestId('batch-export-json').click();
  const jsonPath = await ext.waitForFile(/^semantest-batch-.*\.json$/);
  const json = JSON.parse(readFileSync(jsonPath, 'utf8')) as { counts: object; lines: { outcome: string; file: string | null }[] };
  expect(json.counts).toEqual({ requested: 5, saved: 2, duplicates: 1, skippedSmaller: 3, failed: 2, running: 0 });
  const savedFiles = json.lines.filter((line) => line.outcome === 'saved').map((line) => line.file?.split('/').pop());
  expect(savedFiles.sort()).toEqual(['r2.jpg', 'r3.jpg']);
  expect(join(ext.downloadDir, 'Semantest', 'r2.jpg')).toBe(json.lines.find((line) => line.file?.endsWith('r2.jpg'))?.file);
});
