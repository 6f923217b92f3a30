/**
 * README screenshots of issue 19's worker half, from the real extension: the folder and name templates with their
 * live preview, the popup's batch report, and a bigger original's events in the event log.
 */
import { test, expect } from './fixtures.ts';
import { makeJpeg, makePicture } from '../../scripts/image-host.mjs';

const SHOTS = 'docs/screenshots';

test.use({ mappedHosts: ['pbs.twimg.com'] });

test('the templates’ live preview on the options page', async ({ ext }) => {
  const options = await ext.openOptions();
  await options.setViewportSize({ width: 960, height: 900 });
  await options.getByLabel('Folder in your download folder').fill('Semantest/{query}/{site}');
  await options.getByLabel('File name').fill('{index:03}-{name}-{width}x{height}');
  await expect(options.getByTestId('pattern-preview')).toHaveText('Semantest/dogs/example.org/007-golden-retriever-1920x1080.jpg');
  await options.locator('#settings').screenshot({ path: `${SHOTS}/options-templates.png` });
});

test('the batch report in the popup', async ({ ext }) => {
  for (const name of ['s1.jpg', 's2.jpg', 's3.jpg']) ext.images.images.set(name, { original: makeJpeg(`shot ${name}`, 2000), thumb: makeJpeg(`thumb ${name}`), contentType: 'image/jpeg' });
  const image = (path: string) => ({ imageUrl: `${ext.images.origin}${path}`, strategy: 'udm2_inline', query: 'cats', title: path.split('/').pop() });
  const popup = await ext.openPopup();
  const send = (images: object[], skipped: number) => popup.evaluate(({ images, skipped }) => chrome.runtime.sendMessage({ type: 'download.batch', commandId: crypto.randomUUID(), images, skipped: { smaller: skipped } }), { images, skipped });
  await send([image('/originals/s1.jpg')], 0);
  await ext.waitForFile('Semantest/s1.jpg');
  await send([image('/originals/s1.jpg'), image('/originals/s2.jpg'), image('/originals/s3.jpg'), image('/fault/404/gone.jpg')], 5);
  const shown = await ext.openPopup();
  await shown.setViewportSize({ width: 440, height: 420 });
  await expect(shown.getByTestId('batch-report')).toHaveAttribute('data-running', '0', { timeout: 20_000 });
  await expect(shown.getByTestId('batch-report')).toHaveAttribute('data-failed', '1');
  await shown.screenshot({ path: `${SHOTS}/popup-batch-report.png` });
});

test('a bigger original in the event log', async ({ ext }) => {
  const google = 'http://pbs.twimg.com/media/ShotBig?format=png&name=small';
  ext.images.served.set('pbs.twimg.com/media/ShotBig?format=png&name=small', { body: makePicture(7, 400, 300), type: 'image/png' });
  ext.images.served.set('pbs.twimg.com/media/ShotBig?format=png&name=orig', { body: makePicture(7, 1000, 750), type: 'image/png' });
  const popup = await ext.openPopup();
  await popup.evaluate(
    ({ google, thumb }) => chrome.runtime.sendMessage({ type: 'download.request', commandId: crypto.randomUUID(), image: { imageUrl: google, thumbnailUrl: thumb, width: 400, height: 300, title: 'A bigger original', strategy: 'udm2_inline' } }),
    { google, thumb: `${ext.images.origin}/pic/7/200x150.png` },
  );
  await ext.waitForFile('Semantest/ShotBig.png');
  const options = await ext.openOptions();
  await options.setViewportSize({ width: 960, height: 900 });
  const select = options.getByTestId('timeline-select');
  await expect(select.locator('option', { hasText: 'ShotBig' })).toHaveCount(1, { timeout: 10_000 });
  await select.selectOption((await select.locator('option', { hasText: 'ShotBig' }).getAttribute('value')) ?? '');
  await expect(options.locator('[data-testid="timeline-event"][data-type="BiggerOriginalChosen"]')).toHaveCount(1);
  await options.locator('#timeline').scrollIntoViewIfNeeded();
  await options.locator('#timeline').screenshot({ path: `${SHOTS}/event-log-bigger-original.png` });
});
