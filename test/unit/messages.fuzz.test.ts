/**
 * Hostile messages: ≥ 10,000 random and mutated messages from random senders reach the worker's handler.
 * None may throw, none from a refused sender or of a malformed shape may write an event, each refusal is in words.
 */
import { downloadsProjection } from '../../src/projections/downloads.ts';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { openDatabase, type SemantestDb } from '../../src/store/database.ts';
import { importNdjson } from '../../src/store/import-log.ts';
import { INLINE_THUMBNAIL_MAX_CHARS } from '../../src/domain/imported-events.ts';
import type { ControlUpdate } from '../../src/shared/protocol.ts';
import { DexieEventStore } from '../../src/store/dexie-event-store.ts';
import { downloadQueries } from '../../src/store/download-queries.ts';
import { DownloadSaga } from '../../src/background/saga/index.ts';
import { handleMessage, type MessageContext } from '../../src/background/messages.ts';
import { DEFAULT_SETTINGS } from '../../src/shared/settings.ts';
import type { MessageSender } from '../../src/platform/listeners.ts';
import { FakeDownloads } from '../fakes/downloads.ts';
import { FakeTransfers } from '../fakes/transfer.ts';
import { FakeClock } from '../fakes/clock.ts';

const ID = 'abcdefghijklmnopabcdefghijklmnop';
const ORIGIN = `chrome-extension://${ID}`;

function context(): { ctx: MessageContext; count: () => Promise<number>; stored: () => Promise<number>; db: SemantestDb; store: DexieEventStore } {
  const db = openDatabase(`fuzz-${Math.random()}`);
  const store = new DexieEventStore(db, { projection: downloadsProjection });
  const queries = downloadQueries(db);
  const transfers = new FakeTransfers();
  transfers.answer = () => ({ kind: 'fail', failure: { code: 'network', retryable: false, message: 'offline in this test' } });
  const saga = new DownloadSaga({
    store,
    queries,
    transfers,
    downloads: new FakeDownloads(),
    alarms: { wakeAt: async () => undefined, clear: async () => undefined },
    tabs: { send: () => undefined },
    referer: { hold: async () => undefined, release: async () => undefined },
    pages: { broadcast: () => undefined },
    settings: () => DEFAULT_SETTINGS,
    clock: new FakeClock(),
    random: () => 0.5,
    newId: () => crypto.randomUUID(),
    extensionId: 'semantest-test',
  });
  void saga.recover();
  // Every event row written, by whatever path, counted as it is created (Dexie's creating hook runs inside the
  // writing transaction). Not a db.events.count() per run: fake-indexeddb slows down with every finished
  // transaction it has seen (20,000 reads made the next test's one append take 2 s), the real browser does not.
  let written = 0;
  db.events.hook('creating', () => {
    written += 1;
  });
  const count = async (): Promise<number> => {
    expect(await db.events.count()).toBe(written);
    return written;
  };
  return { ctx: { saga, queries, extensionId: ID, extensionOrigin: ORIGIN, newId: () => crypto.randomUUID() }, count: async () => written, stored: count, db, store };
}

const validRequest = {
  type: 'download.request',
  commandId: '7a3c8a52-4a8b-4d2e-9c1d-2f0a1b3c4d5e',
  image: { imageUrl: 'https://images.example/a.jpg', strategy: 'udm2_inline', title: 'A' },
};

/** Valid shapes with one field broken: the parser must refuse each. */
const mutated = fc.oneof(
  fc.record({ type: fc.constant('download.request'), commandId: fc.string(), image: fc.anything() }),
  fc.record({ type: fc.constant('download.request'), commandId: fc.uuid(), image: fc.record({ imageUrl: fc.oneof(fc.integer(), fc.string({ minLength: 8193, maxLength: 9000 })), strategy: fc.string() }) }),
  fc.record({ type: fc.constantFrom('download.retry', 'download.discard'), streamIds: fc.oneof(fc.constant([]), fc.array(fc.integer()), fc.string()) }),
  fc.record({ type: fc.constantFrom('download.pause', 'download.resume', 'download.cancel'), streamId: fc.oneof(fc.constant(''), fc.integer(), fc.string({ minLength: 101 })) }),
  fc.record({ type: fc.string(), image: fc.constant(validRequest.image) }),
  fc.constant({ ...validRequest, commandId: 'not-a-uuid' }),
  fc.constant(JSON.stringify(validRequest)),
);

const badSender = fc.oneof(
  fc.record({ id: fc.oneof(fc.constant(undefined), fc.string()), url: fc.constant('https://www.google.com/search?q=x&udm=2'), tabId: fc.nat(), frameId: fc.constant(0), fromContentScript: fc.constant(true) }),
  fc.record({ id: fc.constant(ID), url: fc.constantFrom('https://evil.example/search?udm=2', 'https://www.google.com/maps', undefined, 'javascript:alert(1)'), tabId: fc.nat(), frameId: fc.constant(0), fromContentScript: fc.constant(true) }),
  fc.record({ id: fc.constant(ID), url: fc.constantFrom('chrome-extension://other/page.html', 'not a url', undefined), tabId: fc.constant(undefined), frameId: fc.constant(undefined), fromContentScript: fc.constant(false) }),
) as fc.Arbitrary<MessageSender>;

const goodSender = fc.oneof(
  fc.constant<MessageSender>({ id: ID, url: 'https://www.google.com/search?q=x&udm=2', tabId: 3, frameId: 0, fromContentScript: true }),
  fc.constant<MessageSender>({ id: ID, url: `${ORIGIN}/src/options/index.html`, tabId: undefined, frameId: undefined, fromContentScript: false }),
);

describe('worker messages under fuzzing', () => {
  it('refuses 10,000 random or mutated messages in words, without throwing or writing an event', async () => {
    const { ctx, count, stored } = context();
    let runs = 0;
    const cases = fc.oneof(
      fc.tuple(fc.oneof(fc.anything(), mutated), fc.oneof(badSender, goodSender)),
      fc.tuple(fc.constant<unknown>(validRequest), badSender),
    );
    await fc.assert(
      fc.asyncProperty(cases, async ([message, sender]) => {
        runs += 1;
        const before = await count();
        const response = await handleMessage(message, sender, ctx);
        expect(response.ok).toBe(false);
        if (!response.ok) expect(response.error).toMatch(/[a-z]{3,} [a-z]{2,}/i);
        expect(await count()).toBe(before);
      }),
      { numRuns: 10_000 },
    );
    expect(runs).toBe(10_000);
    expect(await stored()).toBe(0);
  }, 120_000);

  it('a content script may not ask for what only the extension pages may do', async () => {
    const { ctx } = context();
    const google: MessageSender = { id: ID, url: 'https://www.google.com/search?q=x&udm=2', tabId: 1, frameId: 0, fromContentScript: true };
    expect(await handleMessage({ type: 'download.retryAllDeadLetters' }, google, ctx)).toEqual({ ok: false, error: 'A Google page may not send download.retryAllDeadLetters.' });
    expect(await handleMessage(validRequest, google, ctx)).toMatchObject({ ok: true, joined: false });
    for (const message of [{ type: 'history.clear', before: null, deleteFiles: true }, { type: 'history.forget', streamIds: ['a'], deleteFiles: false }, { type: 'history.rebuild' }, { type: 'bus.retryDeadLetters', which: 'all' }, { type: 'bus.discardDeadLetters', which: 'all' }]) {
      expect(await handleMessage(message, google, ctx)).toEqual({ ok: false, error: `A Google page may not send ${message.type}.` });
    }
  });
});

describe('the page learns only what it gave (issue #17)', () => {
  const google: MessageSender = { id: ID, url: 'https://www.google.com/search?q=x&udm=2', tabId: 1, frameId: 0, fromContentScript: true };
  const meta = { correlationId: 'c', causationId: 'x' };

  it('download.states answers only for downloads asked for from a Google Images page: not the context menu, not an import', async () => {
    const { ctx, store, db } = context();
    const fromMenu = 'https://photos.example/private.jpg';
    const fromGoogle = 'https://images.example/public.jpg';
    const fromImport = 'https://old.example/imported.jpg';
    await store.appendToStream('menu', [{ type: 'GoogleImageDownloadRequested', data: { imageUrl: fromMenu, strategy: 'context_menu' }, metadata: meta }], { expectedVersion: 'no-stream' });
    await store.appendToStream('page', [{ type: 'GoogleImageDownloadRequested', data: { imageUrl: fromGoogle, strategy: 'udm2_inline' }, metadata: meta }], { expectedVersion: 'no-stream' });
    const line = { eventId: 'i1', streamId: 'imp', version: 1, type: 'GoogleImageDownloadRequested', schemaVersion: 2, data: { imageUrl: fromImport, strategy: 'udm2_inline' }, metadata: meta, ...meta, createdAt: 1 };
    await importNdjson(db, JSON.stringify(line), { projection: downloadsProjection, now: Date.now() });
    const answer = await handleMessage({ type: 'download.states', imageUrls: [fromMenu, fromGoogle, fromImport] }, google, ctx);
    expect(answer.ok && (answer.updates as ControlUpdate[]).map((update) => update.imageUrl)).toEqual([fromGoogle]);
  });

  it('drops an inline thumbnail over 8 KB before the request is written; keeps a small one', async () => {
    const { ctx, db } = context();
    const big = `data:image/jpeg;base64,${'A'.repeat(INLINE_THUMBNAIL_MAX_CHARS)}`;
    const small = 'data:image/png;base64,iVBORw0KGgo=';
    await handleMessage({ ...validRequest, image: { ...validRequest.image, thumbnailUrl: big } }, google, ctx);
    await handleMessage({ ...validRequest, commandId: '8a3c8a52-4a8b-4d2e-9c1d-2f0a1b3c4d5e', image: { ...validRequest.image, imageUrl: 'https://images.example/b.jpg', thumbnailUrl: small } }, google, ctx);
    const requests = (await db.events.where('type').equals('GoogleImageDownloadRequested').toArray()).map((event) => (event.data as { thumbnailUrl?: string }).thumbnailUrl);
    expect(requests).toEqual([undefined, small]);
  });
});
