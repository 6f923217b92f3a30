/** Imports are history (issue #17 item 1): what the import takes, marks, refuses, and never adds to. */
import { downloadsProjection } from '../../src/projections/downloads.ts';
import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/store/database.ts';
import { DexieEventStore } from '../../src/store/dexie-event-store.ts';
import { importNdjson } from '../../src/store/import-log.ts';
import { INLINE_THUMBNAIL_MAX_CHARS, withoutLargeInlineThumbnail } from '../../src/domain/imported-events.ts';
import { safePathProblem } from '../../src/domain/filename.ts';

const NOW = 1_800_000_000_000;
let n = 0;
const fresh = () => openDatabase(`import-history-${++n}`);

const meta = (extra: Record<string, unknown> = {}) => ({ correlationId: 'c1', causationId: 'x1', ...extra });
function line(version: number, type: string, data: unknown, extra: Record<string, unknown> = {}): string {
  const metadata = meta((extra.metadata as Record<string, unknown>) ?? {});
  const schemaVersion = type === 'GoogleImageDownloadRequested' || type === 'GoogleImageDownloadCompleted' || type === 'GoogleImageDownloadFailed' ? 2 : 1;
  return JSON.stringify({ eventId: `e${version}-${String(extra.streamId ?? 's1')}`, streamId: 's1', version, type, schemaVersion, data, correlationId: 'c1', causationId: 'x1', createdAt: NOW - 1000, ...extra, metadata });
}
const requested = (extra: Record<string, unknown> = {}) => line(1, 'GoogleImageDownloadRequested', { imageUrl: 'http://127.0.0.1:9/report.pdf', strategy: 'udm2_inline' }, extra);
const validated = (filename: string, mimeType: string, extension: string, extra: Record<string, unknown> = {}) =>
  line(2, 'ImageSourceValidated', { attempt: 1, mimeType, extension, filename, contentLength: 10, transfer: 'url' }, extra);

describe('the import takes history, marked as such', () => {
  it('refuses the forged PDF step with its line number; keeps the request as history, unsettled and marked', async () => {
    const db = fresh();
    const report = await importNdjson(db, [requested(), validated('Semantest/report.pdf', 'application/pdf', 'pdf')].join('\n'), { projection: downloadsProjection, now: NOW });
    expect(report.taken).toBe(1);
    expect(report.refused).toHaveLength(1);
    expect(report.refused[0]?.line).toBe(2);
    expect(report.refused[0]?.reason).toMatch(/^ImageSourceValidated: mimeType is not an image type/);
    const [event] = await db.events.toArray();
    expect(event?.metadata).toEqual({ correlationId: 'c1', causationId: 'x1', imported: { at: NOW } });
    // The read model has the row at once (the import projects it in the same transaction): imported, not resumed.
    expect(await db.downloads.get('s1')).toMatchObject({ phase: 'queued', imported: true });
  });

  it('refuses a PDF even when it calls itself an image; a name with its type is taken', async () => {
    const db = fresh();
    const report = await importNdjson(db, [requested(), validated('Semantest/report.pdf', 'image/png', 'png')].join('\n'), { projection: downloadsProjection, now: NOW });
    expect(report.refused[0]?.reason).toBe("ImageSourceValidated: filename does not end in .png, the image's type");
    const ok = await importNdjson(fresh(), [requested(), validated('Semantest/report.png', 'image/png', 'png')].join('\n'), { projection: downloadsProjection, now: NOW });
    expect(ok).toEqual({ taken: 2, alreadyThere: 0, refused: [] });
  });

  it('takes a saga v2 download\'s steps (the transfer\'s ImageFetched, Chrome\'s verdict in ImageScanned) as history, held to the same rules', async () => {
    const v2 = (version: number, type: string, data: unknown, schemaVersion: number) =>
      JSON.stringify({ eventId: `v2-${version}`, streamId: 's1', version, type, schemaVersion, data, metadata: meta(), correlationId: 'c1', causationId: 'x1', createdAt: NOW - 1000 });
    const transferId = '0b7e1a2c-3d4e-4f50-8a6b-7c8d9e0f1a2b:v1';
    const url = 'https://images.example/cat.png';
    const lines = [
      v2(1, 'GoogleImageDownloadRequested', { imageUrl: url, strategy: 'udm2_inline' }, 2),
      v2(2, 'ImageSourceValidated', { attempt: 1, mimeType: 'image/png', extension: 'png', filename: 'Semantest/cat.png', contentLength: 10, referer: null, transferId, convertTo: null }, 2),
      v2(3, 'ImageFetched', { attempt: 1, transferId, size: 10, contentHash: 'a'.repeat(64), mimeType: 'image/png' }, 1),
      v2(4, 'DownloadInitiated', { attempt: 1, filename: 'Semantest/cat.png', url }, 1),
      v2(5, 'DownloadStarted', { attempt: 1, chromeDownloadId: 3 }, 1),
      v2(6, 'ImageScanned', { attempt: 1, chromeDownloadId: 3, verdict: 'clean', danger: 'safe' }, 1),
      v2(7, 'GoogleImageDownloadCompleted', { imageUrl: url, filePath: '/home/u/Downloads/Semantest/cat.png', fileSize: 10, downloadTime: 5, mimeType: 'image/png' }, 2),
    ];
    expect(await importNdjson(fresh(), lines.join('\n'), { projection: downloadsProjection, now: NOW })).toEqual({ taken: 7, alreadyThere: 0, refused: [] });
    const forged = [
      lines[0],
      v2(2, 'ImageSourceValidated', { attempt: 1, mimeType: 'image/png', extension: 'png', filename: 'Semantest/cat.png', contentLength: 10, transferId: '../x' }, 2),
      v2(3, 'ImageFetched', { attempt: 1, transferId, size: 10, contentHash: 'a'.repeat(64), mimeType: 'text/html' }, 1),
      v2(4, 'ImageScanned', { attempt: 1, chromeDownloadId: 3, verdict: 'flagged', danger: 'file\u202e' }, 1),
    ];
    const report = await importNdjson(fresh(), forged.join('\n'), { projection: downloadsProjection, now: NOW });
    expect(report.refused.map((refusal) => refusal.reason)).toEqual([
      expect.stringMatching(/^ImageSourceValidated: transferId is not an id/),
      'ImageFetched: mimeType is not an image type',
      'ImageScanned: danger holds control or direction-changing characters',
    ]);
  });

  it('overwrites whatever the file says about being imported, and drops tab ids and unknown metadata', async () => {
    const db = fresh();
    await importNdjson(db, requested({ metadata: { imported: false, tabId: 7, batchSize: 3, note: 'x'.repeat(100) } }), { projection: downloadsProjection, now: NOW });
    expect((await db.events.toArray())[0]?.metadata).toEqual({ correlationId: 'c1', causationId: 'x1', batchSize: 3, imported: { at: NOW } });
  });

  it.each([
    ['a javascript: address', { imageUrl: 'javascript:alert(1)' }, /imageUrl: Only web images/],
    ['an address with a password', { imageUrl: 'https://user:pw@host.example/a.jpg' }, /user name or password/],
    ['a source page that is not a web page', { sourcePageUrl: 'file:///etc/passwd' }, /sourcePageUrl/],
    ['a title with a direction override', { title: 'cat\u202egpj.exe' }, /title holds control or direction-changing characters/],
    ['a title with a control character', { title: 'a\u0007b' }, /title holds control/],
    ['a v1 file name with a folder escape', { fileName: '../../.bashrc' }, /fileName/],
  ])('refuses a request with %s', async (_what, change, reason) => {
    const db = fresh();
    const data = { imageUrl: 'https://img.example/a.jpg', strategy: 'udm2_inline', ...change };
    const report = await importNdjson(db, line(1, 'GoogleImageDownloadRequested', data), { projection: downloadsProjection, now: NOW });
    expect(report.taken).toBe(0);
    expect(report.refused[0]?.reason).toMatch(reason);
  });

  it('refuses records this browser keeps about its own downloads, events dated in the future, and streams not starting with a request', async () => {
    const db = fresh();
    const notification = line(1, 'NotificationSent', { recipient: 'r', channel: 'desktop', kind: 'download-failed', notificationId: 'n', subject: 's1', title: 't', message: 'm', actions: [] }, { streamId: 'notifications' });
    const future = requested({ createdAt: NOW + 2 * 86_400_000, streamId: 's2', eventId: 'f1' });
    const orphan = line(1, 'DownloadPaused', {}, { streamId: 's3', eventId: 'p1' });
    const report = await importNdjson(db, [notification, future, orphan].join('\n'), { projection: downloadsProjection, now: NOW });
    expect(report.refused.map((refusal) => [refusal.line, refusal.reason])).toEqual([
      [1, "NotificationSent is a record this browser keeps about its own downloads: another log's is not imported"],
      [2, 'the event is dated in the future'],
      [3, "a download's stream starts with GoogleImageDownloadRequested, not DownloadPaused"],
    ]);
    expect(await db.events.count()).toBe(0);
  });

  it('refuses ids this extension never makes', async () => {
    const report = await importNdjson(fresh(), requested({ streamId: 'a b<script>', eventId: 'ok1' }), { projection: downloadsProjection, now: NOW });
    expect(report.refused[0]?.reason).toMatch(/^streamId is not an id/);
  });

  it('drops an inline thumbnail over the limit, keeps a small one', async () => {
    const big = `data:image/jpeg;base64,${'A'.repeat(INLINE_THUMBNAIL_MAX_CHARS)}`;
    const small = `data:image/jpeg;base64,${'A'.repeat(100)}`;
    const db = fresh();
    const data = (thumbnailUrl: string) => ({ imageUrl: 'https://img.example/a.jpg', strategy: 'udm2_inline', thumbnailUrl });
    await importNdjson(db, [line(1, 'GoogleImageDownloadRequested', data(big)), line(1, 'GoogleImageDownloadRequested', data(small), { streamId: 's2' })].join('\n'), { projection: downloadsProjection, now: NOW });
    const rows = await db.events.orderBy('position').toArray();
    expect((rows[0]?.data as { thumbnailUrl?: string }).thumbnailUrl).toBeUndefined();
    expect((rows[1]?.data as { thumbnailUrl?: string }).thumbnailUrl).toBe(small);
    expect(withoutLargeInlineThumbnail({ imageUrl: 'x', thumbnailUrl: big })).toEqual({ imageUrl: 'x' });
    expect(withoutLargeInlineThumbnail({ thumbnailUrl: 'https://encrypted-tbn0.gstatic.com/images?q=1' })).toEqual({ thumbnailUrl: 'https://encrypted-tbn0.gstatic.com/images?q=1' });
  });
});

describe('an import never adds to a download of this browser', () => {
  it('refuses the whole file in words and writes nothing when one event names an existing stream', async () => {
    const db = fresh();
    const store = new DexieEventStore(db, { projection: downloadsProjection });
    await store.appendToStream('mine', [{ type: 'GoogleImageDownloadRequested', data: { imageUrl: 'https://img.example/a.jpg', strategy: 'udm2_inline' }, metadata: meta() }], { expectedVersion: 'no-stream' });
    const before = await db.events.count();
    const file = [requested({ streamId: 'new', eventId: 'n1' }), line(2, 'DownloadStarted', { attempt: 1, chromeDownloadId: 1 }, { streamId: 'mine', eventId: 'forged' })].join('\n');
    const report = await importNdjson(db, file, { projection: downloadsProjection, now: NOW });
    expect(report.taken).toBe(0);
    expect(report.refusedWhole).toBe('Nothing was imported: line 2 names mine, a download of this browser: an import never adds to one. Events of that download cannot come from another log.');
    expect(await db.events.count()).toBe(before);
    expect(await db.downloads.get('new')).toBeUndefined();
  });

  it('continues a stream that is itself imported history (an import cut off half-way, run again)', async () => {
    const db = fresh();
    await importNdjson(db, requested(), { projection: downloadsProjection, now: NOW });
    const report = await importNdjson(db, [requested(), validated('Semantest/a.png', 'image/png', 'png')].join('\n'), { projection: downloadsProjection, now: NOW + 1 });
    expect(report).toEqual({ taken: 1, alreadyThere: 1, refused: [] });
    expect(await db.downloads.get('s1')).toMatchObject({ phase: 'validating', imported: true, version: 2 });
  });

  it('reads a stream source twice (a check, then the writes) and needs a way to open it again', async () => {
    let opened = 0;
    const source = () => {
      opened += 1;
      return (async function* () {
        yield `${requested()}\n`;
      })();
    };
    expect(await importNdjson(fresh(), source, { projection: downloadsProjection, now: NOW })).toEqual({ taken: 1, alreadyThere: 0, refused: [] });
    expect(opened).toBe(2);
  });
});

describe('file names from outside are checked, never repaired', () => {
  it.each([
    ['Semantest/cat.jpg', null],
    ['Semantest/sub/cat.png', null],
    ['cat', 'the file name has no extension'],
    ['Semantest/../cat.jpg', 'the file name has an empty, "." or ".." folder'],
    ['/etc/cat.jpg', 'the file name has an empty, "." or ".." folder'],
    ['Semantest/.cat.jpg', 'a part of the file name starts with ".", "~" or a space, or ends with "." or a space'],
    ['Semantest/CON.jpg', '"CON.jpg" is a name Windows reserves'],
    ['Semantest/a:b.jpg', 'the file name holds a control character or one of <>:"\\|?*'],
    ['Semantest\\a.jpg', 'the file name holds a control character or one of <>:"\\|?*'],
    [`Semantest/${'é'.repeat(130)}.jpg`, 'a part of the file name is longer than 255 bytes'],
  ])('%s', (path, problem) => {
    expect(safePathProblem(path)).toBe(problem);
  });
});
