/**
 * The transfer side without a browser: a fake fetch with scripted answers and streams (test/fakes/http-host.ts),
 * Node's Blob and URL.createObjectURL. What the worker is told (facts), what is kept, and the bytes held.
 */
import { createHash } from 'node:crypto';
import { beforeEach, describe, expect, it } from 'vitest';
import { makeJpeg, makePng } from '../../scripts/image-host.mjs';
import type { TransferFact, TransferRequest } from '../../src/platform/transfer-port.ts';
import { TransferService, type TransferServiceEnvironment } from '../../src/transfer/service.ts';
import { fakeHost, type Answer, type FakeRequest } from '../fakes/http-host.ts';
import { FakeClock } from '../fakes/clock.ts';

const sha = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

/** The same bytes, checked in one pass: toEqual walks a typed array key by key (≈ 0.3 s for this PNG). */
function expectBytes(actual: Uint8Array, expected: Uint8Array): void {
  expect(actual.length, 'length').toBe(expected.length);
  expect(actual.findIndex((byte, i) => byte !== expected[i]), 'first differing byte').toBe(-1);
}
const PNG = new Uint8Array(makePng(300, 200, 7));
const HTML = new TextEncoder().encode('<!doctype html><html><head><title>Blocked</title></head><body>No hotlinking</body></html>');

/** Set per run of the suite below: bodies as byte streams (read BYOB) or default streams. */
let byteStreams = true;

function setUp(script: (request: FakeRequest, index: number) => Answer, options: Partial<TransferServiceEnvironment> = {}) {
  const host = fakeHost(script, { byteStreams });
  const facts: TransferFact[] = [];
  const waiters: Array<{ test: (fact: TransferFact) => boolean; resolve: (fact: TransferFact) => void }> = [];
  let clock = 0;
  // The headers and stall timeouts: they fire only when a test moves `timers`.
  const timers = new FakeClock();
  const revoked: string[] = [];
  const service = new TransferService({
    fetch: host.fetch,
    setTimeout: timers.setTimeout,
    clearTimeout: timers.clearTimeout,
    emit: (fact) => {
      facts.push(fact);
      for (const waiter of waiters.splice(0)) {
        if (waiter.test(fact)) waiter.resolve(fact);
        else waiters.push(waiter);
      }
    },
    now: () => clock,
    partBytes: 4096,
    progressIntervalMs: 250,
    createObjectURL: (blob) => URL.createObjectURL(blob),
    revokeObjectURL: (url) => {
      revoked.push(url);
      URL.revokeObjectURL(url);
    },
    converter: () => Promise.reject(new Error('no converter in this test')),
    ...options,
  });
  const next = (type: TransferFact['type'], transferId = 't1'): Promise<TransferFact> => {
    const seen = facts.find((fact) => fact.type === type && fact.transferId === transferId && !consumed.has(fact));
    if (seen) {
      consumed.add(seen);
      return Promise.resolve(seen);
    }
    return new Promise((resolve) =>
      waiters.push({
        test: (fact) => fact.type === type && fact.transferId === transferId,
        resolve: (fact) => {
          consumed.add(fact);
          resolve(fact);
        },
      }),
    );
  };
  const consumed = new Set<TransferFact>();
  const ended = async (transferId = 't1'): Promise<TransferFact> => Promise.race([next('fetched', transferId), next('failed', transferId)]);
  const saved = async (transferId = 't1'): Promise<Uint8Array> => {
    const url = service.saveUrl(transferId);
    if (!url) throw new Error('nothing to save');
    const blob = await (await fetch(url)).blob();
    return new Uint8Array(await blob.arrayBuffer());
  };
  return { host, service, facts, next, ended, saved, revoked, timers, tick: (ms: number) => (clock += ms) };
}

const request = (overrides: Partial<TransferRequest> = {}): TransferRequest => ({
  transferId: 't1',
  url: 'https://images.example/photo.jpg',
  maxBytes: 10 * 1_048_576,
  headersTimeoutMs: 5_000,
  stallTimeoutMs: 5_000,
  allowDataImage: false,
  ...overrides,
});

const failureOf = (fact: TransferFact) => (fact.type === 'failed' ? fact.failure : null);

for (const mode of ['byte stream, read BYOB', 'default stream'] as const) {
describe(mode, () => {
  beforeEach(() => {
    byteStreams = mode === 'byte stream, read BYOB';
  });

  describe('a transfer fetches once, sniffs, hashes and keeps the body', () => {
    it('a PNG behind a lying Content-Type: one request, sniffed as PNG with its size, fetched with the sha-256 of every byte', async () => {
      const t = setUp(() => ({ headers: { 'content-type': 'image/jpeg; charset=x', 'content-length': String(PNG.length) }, body: PNG, chunkBytes: 700 }));
      t.service.start(request());
      // The fact carries the URL that saves the Blob as it is (the worker's save asks nothing first).
      const fetched = await t.ended();
      expect(fetched).toEqual({ type: 'fetched', transferId: 't1', size: PNG.length, contentHash: sha(PNG), mimeType: 'image/png', saveUrl: expect.stringMatching(/^blob:/) });
      expect(t.facts[0]).toEqual({ type: 'sniffed', transferId: 't1', mimeType: 'image/png', extension: 'png', declaredMime: 'image/jpeg', contentLength: PNG.length, width: 300, height: 200 });
      expect(t.host.requests).toHaveLength(1);
      expectBytes(await t.saved(), PNG);
      const url = t.service.saveUrl('t1');
      expect(url).toBe(fetched.type === 'fetched' ? fetched.saveUrl : null);
      expect(t.service.saveUrl('t1')).toBe(url);
      const { saveUrl: _given, ...recorded } = fetched as Extract<TransferFact, { type: 'fetched' }>;
      expect(t.service.status()).toEqual([{ transferId: 't1', state: 'fetched', bytesReceived: PNG.length, facts: [t.facts[0], recorded], saveUrl: url }]);
    });

    it('the request carries what the check before v2 sent (cookies, no cache), and no Range', async () => {
      let init: FakeRequest | undefined;
      const t = setUp((req) => ((init = req), { body: PNG }));
      t.service.start(request());
      await t.ended();
      expect(init?.headers.has('range')).toBe(false);
      expect(init?.url).toBe('https://images.example/photo.jpg');
    });

    it('a body within one part is hashed once at its end (WebCrypto); the same bytes across parts, chunk by chunk', async () => {
      const small = new Uint8Array(makeJpeg('small', 2000));
      expect(small.length).toBeLessThan(4096);
      const t = setUp((req) => ({ body: req.url.endsWith('small.jpg') ? small : PNG, chunkBytes: 300 }));
      t.service.start(request({ url: 'https://images.example/small.jpg' }));
      expect(await t.ended()).toMatchObject({ type: 'fetched', size: small.length, contentHash: sha(small) });
      t.service.start(request({ transferId: 't2' }));
      expect(PNG.length).toBeGreaterThan(3 * 4096);
      expect(await t.ended('t2')).toMatchObject({ type: 'fetched', size: PNG.length, contentHash: sha(PNG) });
    });

    it('chunks that fill a part exactly (as Chrome\'s 256 KiB reads fill 4 MiB) are hashed before the part folds', async () => {
      const t = setUp(() => ({ body: PNG, chunkBytes: 1024 }));
      t.service.start(request());
      expect(await t.ended()).toMatchObject({ type: 'fetched', size: PNG.length, contentHash: sha(PNG) });
    });

    it('a body shorter than the sniffing window is sniffed at its end', async () => {
      const gif = new Uint8Array([...new TextEncoder().encode('GIF89a'), 2, 0, 3, 0, 0, 0, 0, 0x3b]);
      const t = setUp(() => ({ body: gif }));
      t.service.start(request());
      expect(await t.ended()).toMatchObject({ type: 'fetched', size: gif.length, mimeType: 'image/gif' });
      expect(t.facts[0]).toMatchObject({ type: 'sniffed', mimeType: 'image/gif', width: 2, height: 3, contentLength: null });
    });

    it('start is idempotent by transferId: a second start asks nothing', async () => {
      const t = setUp(() => ({ body: PNG }));
      t.service.start(request());
      t.service.start(request());
      await t.ended();
      t.service.start(request());
      expect(t.host.requests).toHaveLength(1);
    });

    it('progress is throttled to one fact per interval and is not kept', async () => {
      const t = setUp(() => ({ body: 'tap' }));
      t.service.start(request());
      await Promise.resolve();
      await new Promise((resolve) => setTimeout(resolve, 0));
      const tap = t.host.taps[0];
      if (!tap) throw new Error('no tap');
      tap.push(PNG.subarray(0, 1000));
      await t.next('sniffed');
      for (let i = 1; i < 5; i++) {
        t.tick(100);
        tap.push(PNG.subarray(i * 1000, (i + 1) * 1000));
        await new Promise((resolve) => setTimeout(resolve, 0));
      }
      tap.push(PNG.subarray(5000));
      tap.end();
      await t.ended();
      // 400 ms of chunks 100 ms apart: one fact at 300 ms (250 ms after the start at 0 is passed first there).
      expect(t.facts.filter((fact) => fact.type === 'progress')).toEqual([{ type: 'progress', transferId: 't1', bytesReceived: 4000, totalBytes: null }]);
      expect(t.service.status()[0]?.facts.map((fact) => fact.type)).toEqual(['sniffed', 'fetched']);
    });
  });

  describe('failures, in today\'s codes and words', () => {
    it('a web page where the image should be: not_an_image, a hotlink suspect; nothing held to save', async () => {
      const t = setUp(() => ({ headers: { 'content-type': 'image/jpeg' }, body: HTML }));
      t.service.start(request());
      expect(failureOf(await t.ended())).toEqual({ code: 'not_an_image', retryable: false, message: 'The address gives a web page, not an image.', hotlinkSuspect: true });
      expect(t.service.saveUrl('t1')).toBeNull();
      expect(t.service.status()[0]).toMatchObject({ state: 'failed', bytesReceived: 0 });
    });

    it('an executable labelled image/jpeg is not an image', async () => {
      const exe = new Uint8Array(2000).fill(0x90);
      exe.set([0x4d, 0x5a]);
      const t = setUp(() => ({ headers: { 'content-type': 'image/jpeg' }, body: exe }));
      t.service.start(request());
      expect(failureOf(await t.ended())).toMatchObject({ code: 'not_an_image', message: 'The server sent something that is not an image.' });
    });

    it('an empty body', async () => {
      const t = setUp(() => ({ body: new Uint8Array() }));
      t.service.start(request());
      expect(failureOf(await t.ended())).toEqual({ code: 'empty_body', retryable: false, message: 'The image server sent an empty file.' });
    });

    it('over maxBytes by Content-Length: refused before reading', async () => {
      const t = setUp(() => ({ headers: { 'content-length': String(3 * 1_048_576) }, body: 'tap' }));
      t.service.start(request({ maxBytes: 1_048_576 }));
      expect(failureOf(await t.ended())).toEqual({ code: 'too_large', retryable: false, message: 'The image is 3.0 MB, over the 1.0 MB limit in the settings.' });
    });

    it('over maxBytes while streaming (no Content-Length): the bytes are dropped', async () => {
      const t = setUp(() => ({ body: new Uint8Array([...PNG, ...new Uint8Array(5000)]) }));
      t.service.start(request({ maxBytes: PNG.length }));
      expect(failureOf(await t.ended())).toMatchObject({ code: 'too_large', retryable: false });
      expect(t.service.status()[0]).toMatchObject({ state: 'failed', bytesReceived: 0 });
    });

    it.each([
      [404, 'http_client_error', false],
      [403, 'http_client_error', false],
      [503, 'http_server_error', true],
      [429, 'http_rate_limited', true],
    ] as const)('HTTP %i: %s (retryable %s)', async (status, code, retryable) => {
      const t = setUp(() => ({ status, body: HTML }));
      t.service.start(request());
      expect(failureOf(await t.ended())).toMatchObject({ code, retryable });
    });

    it('no headers by headersTimeoutMs: a retryable timeout', async () => {
      const t = setUp(() => 'hang');
      t.service.start(request({ headersTimeoutMs: 20 }));
      await t.timers.advance(19);
      expect(t.facts).toEqual([]);
      await t.timers.advance(1);
      expect(failureOf(await t.ended())).toEqual({ code: 'timeout', retryable: true, message: 'The image server did not answer in time.' });
    });

    it('no byte for stallTimeoutMs while reading: a retryable timeout in its own words', async () => {
      const t = setUp(() => ({ body: 'tap' }));
      t.service.start(request({ stallTimeoutMs: 30 }));
      await new Promise((resolve) => setTimeout(resolve, 0));
      t.host.taps[0]?.push(PNG.subarray(0, 1000));
      await t.timers.advance(29);
      expect(t.facts.some((fact) => fact.type === 'failed')).toBe(false);
      await t.timers.advance(1);
      expect(failureOf(await t.ended())).toEqual({ code: 'timeout', retryable: true, message: 'The image server stopped sending the image (nothing for 0 s).' });
    });

    it('the network fails before or during the body: retryable network', async () => {
      const refused = setUp(() => 'network-error');
      refused.service.start(request());
      expect(failureOf(await refused.ended())).toEqual({ code: 'network', retryable: true, message: 'The image server could not be reached.' });

      const dropped = setUp(() => ({ body: 'tap' }));
      dropped.service.start(request());
      await new Promise((resolve) => setTimeout(resolve, 0));
      dropped.host.taps[0]?.push(PNG.subarray(0, 2000));
      dropped.host.taps[0]?.fail();
      expect(failureOf(await dropped.ended())).toMatchObject({ code: 'network', retryable: true });
    });

    it('an invalid address is refused without a request; a data: image only when allowed', async () => {
      const t = setUp(() => ({ body: PNG }));
      t.service.start(request({ url: 'file:///etc/passwd' }));
      expect(failureOf(await t.ended())).toMatchObject({ code: 'invalid_url', retryable: false });
      expect(t.host.requests).toHaveLength(0);
      t.service.start(request({ transferId: 't2', url: 'data:image/png;base64,AAAA' }));
      expect(failureOf(await t.ended('t2'))).toMatchObject({ code: 'invalid_url' });
      t.service.start(request({ transferId: 't3', url: 'data:image/png;base64,AAAA', allowDataImage: true }));
      expect(t.host.requests.map((r) => r.url)).toEqual(['data:image/png;base64,AAAA']);
    });
  });

  describe('lanes: at most `lanes` transfers ask hosts; the rest wait in line, in order', () => {
    const settle = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0));
    const ids = (t: ReturnType<typeof setUp>): string[] => t.host.requests.map((r) => r.url.split('/').pop() as string);
    const queued = (id: string): TransferRequest => request({ transferId: id, url: `https://images.example/${id}`, lanes: 2 });

    it('the third waits (queued, nothing asked) and is asked the moment the first body\'s last byte is in, before its fact', async () => {
      let factsOfFirstWhenThirdAsked: string[] | null = null;
      const t = setUp((req) => {
        if (req.url.endsWith('/c')) factsOfFirstWhenThirdAsked = t.facts.filter((f) => f.transferId === 'a').map((f) => f.type);
        return { body: 'tap' };
      });
      for (const id of ['a', 'b', 'c']) t.service.start(queued(id));
      await settle();
      expect(ids(t)).toEqual(['a', 'b']);
      expect(t.service.status().map((held) => [held.transferId, held.state])).toEqual([['a', 'streaming'], ['b', 'streaming'], ['c', 'queued']]);
      // In pieces, as a network body comes (Node's byte streams stall on one chunk bigger than the reader's view).
      for (let at = 0; at < PNG.length; at += 1000) t.host.taps[0]?.push(PNG.subarray(at, at + 1000));
      await t.next('sniffed', 'a');
      t.host.taps[0]?.end();
      await t.next('fetched', 'a');
      expect(ids(t)).toEqual(['a', 'b', 'c']);
      // Asked while `a` was being hashed and assembled: its `fetched` fact came after.
      expect(factsOfFirstWhenThirdAsked).toEqual(['sniffed']);
      expectBytes(await t.saved('a'), PNG);
    });

    it('a failure or a cancel frees a lane; a queued transfer cancelled is never asked; a paused one keeps its lane', async () => {
      const t = setUp((req) => (req.url.endsWith('/bad') ? { body: HTML } : { body: 'tap' }));
      const one = (id: string): TransferRequest => request({ transferId: id, url: `https://images.example/${id}`, lanes: 1 });
      for (const id of ['bad', 'a', 'gone', 'b', 'c']) t.service.start(one(id));
      await t.ended('bad');
      await settle();
      // `bad` failed on its first bytes: `a` has its lane.
      expect(ids(t)).toEqual(['bad', 'a']);
      await t.service.cancel('gone');
      t.host.taps[1]?.push(PNG.subarray(0, 3000));
      await t.next('sniffed', 'a');
      await t.service.pause('a');
      await settle();
      expect(ids(t)).toEqual(['bad', 'a']);
      await t.service.cancel('a');
      await settle();
      expect(ids(t)).toEqual(['bad', 'a', 'b']);
      expect(t.service.status().map((held) => [held.transferId, held.state])).toEqual([['bad', 'failed'], ['b', 'streaming'], ['c', 'queued']]);
    });
  });

  describe('release and cancel', () => {
    it('release revokes the URL and forgets the transfer', async () => {
      const t = setUp(() => ({ body: PNG }));
      t.service.start(request());
      await t.ended();
      const url = t.service.saveUrl('t1');
      t.service.release('t1');
      expect(t.revoked).toEqual([url]);
      expect(t.service.status()).toEqual([]);
      expect(t.service.saveUrl('t1')).toBeNull();
    });

    it('cancel drops the connection and everything; no fact follows', async () => {
      const t = setUp(() => ({ body: 'tap' }));
      t.service.start(request());
      await new Promise((resolve) => setTimeout(resolve, 0));
      t.host.taps[0]?.push(PNG.subarray(0, 2000));
      await t.next('sniffed');
      await t.service.cancel('t1');
      expect(t.host.requests[0]?.signal?.aborted).toBe(true);
      expect(t.service.status()).toEqual([]);
      const count = t.facts.length;
      t.host.taps[0]?.push(PNG.subarray(2000));
      await new Promise((resolve) => setTimeout(resolve, 10));
      expect(t.facts).toHaveLength(count);
    });

    it('calls for an id it does not hold do nothing', async () => {
      const t = setUp(() => ({ body: PNG }));
      await t.service.pause('nope');
      t.service.resume('nope');
      await t.service.cancel('nope');
      t.service.release('nope');
      expect(t.service.saveUrl('nope')).toBeNull();
      expect(await t.service.convert('nope', 'image/png', 0.9, 1e6)).toMatchObject({ ok: false });
    });
  });

  describe('pause, resume, and the host that ignores Range', () => {
    const settle = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0));

    /** Starts `t1`, feeds `first` bytes of the PNG through the first request's tap, pauses. */
    async function pausedAfter(first: number, script: (request: FakeRequest, index: number) => Answer) {
      const t = setUp(script);
      t.service.start(request());
      await settle();
      t.host.taps[0]?.push(PNG.subarray(0, first));
      await t.next('sniffed');
      await t.service.pause('t1');
      return t;
    }

    it('pause drops the connection and keeps the bytes; a 206 from byte N continues the same hash', async () => {
      const t = await pausedAfter(3000, (req, index) =>
        index === 0
          ? { headers: { etag: '"v1"', 'last-modified': 'Mon, 01 Dec 2026 00:00:00 GMT', 'content-length': String(PNG.length) }, body: 'tap' }
          : { status: 206, headers: { 'content-range': `bytes 3000-${PNG.length - 1}/${PNG.length}` }, body: PNG.subarray(3000) },
      );
      expect(t.host.requests[0]?.signal?.aborted).toBe(true);
      expect(t.service.status()[0]).toMatchObject({ state: 'paused', bytesReceived: 3000 });
      expect(await t.next('paused')).toEqual({ type: 'paused', transferId: 't1', bytesReceived: 3000 });

      t.service.resume('t1');
      expect(await t.next('resumed')).toEqual({ type: 'resumed', transferId: 't1', bytesReceived: 3000, ranged: true });
      expect(await t.ended()).toMatchObject({ type: 'fetched', size: PNG.length, contentHash: sha(PNG) });
      expect(t.host.requests[1]?.headers.get('range')).toBe('bytes=3000-');
      expect(t.host.requests[1]?.headers.get('if-range')).toBe('"v1"');
      expectBytes(await t.saved(), PNG);
    });

    it('a weak ETag is not sent as If-Range: Last-Modified is', async () => {
      const t = await pausedAfter(1000, (_req, index) =>
        index === 0
          ? { headers: { etag: 'W/"v1"', 'last-modified': 'Mon, 01 Dec 2026 00:00:00 GMT' }, body: 'tap' }
          : { status: 206, headers: { 'content-range': `bytes 1000-${PNG.length - 1}/*` }, body: PNG.subarray(1000) },
      );
      t.service.resume('t1');
      await t.ended();
      expect(t.host.requests[1]?.headers.get('if-range')).toBe('Mon, 01 Dec 2026 00:00:00 GMT');
      expectBytes(await t.saved(), PNG);
    });

    it('a 200 to the Range request (Range ignored) restarts clean: parts and hasher dropped, the same bytes saved', async () => {
      const t = await pausedAfter(3000, (_req, index) => (index === 0 ? { body: 'tap' } : { body: PNG, chunkBytes: 500 }));
      t.service.resume('t1');
      expect(await t.next('resumed')).toEqual({ type: 'resumed', transferId: 't1', bytesReceived: 0, ranged: false });
      expect(await t.ended()).toMatchObject({ type: 'fetched', size: PNG.length, contentHash: sha(PNG) });
      expectBytes(await t.saved(), PNG);
      // Sniffed once: the restart found the same type.
      expect(t.facts.filter((fact) => fact.type === 'sniffed')).toHaveLength(1);
    });

    it('a 200 restart that brings another kind of file fails in words', async () => {
      const t = await pausedAfter(3000, (_req, index) => (index === 0 ? { body: 'tap' } : { body: new Uint8Array(makeGif()) }));
      t.service.resume('t1');
      expect(failureOf(await t.ended())).toMatchObject({ code: 'not_an_image', retryable: true, message: expect.stringContaining('changed on its server') });
    });

    it('a 206 from another byte, or a 416, is a failure in words, not a spliced file', async () => {
      const wrong = await pausedAfter(3000, (_req, index) =>
        index === 0 ? { body: 'tap' } : { status: 206, headers: { 'content-range': `bytes 0-${PNG.length - 1}/${PNG.length}` }, body: PNG },
      );
      wrong.service.resume('t1');
      expect(failureOf(await wrong.ended())).toEqual({
        code: 'http_server_error',
        retryable: true,
        message: `The image server did not continue from byte 3000 as asked (it sent bytes 0-${PNG.length - 1}).`,
      });
      expect(wrong.service.saveUrl('t1')).toBeNull();

      const refused = await pausedAfter(3000, (_req, index) => (index === 0 ? { body: 'tap' } : { status: 416, body: new Uint8Array() }));
      refused.service.resume('t1');
      expect(failureOf(await refused.ended())).toMatchObject({ code: 'http_client_error', retryable: true, message: expect.stringContaining('HTTP 416') });
    });

    it('pause before the headers: resume asks for everything again, without Range', async () => {
      const t = setUp((_req, index) => (index === 0 ? 'hang' : { body: PNG }));
      t.service.start(request());
      await settle();
      await t.service.pause('t1');
      expect(await t.next('paused')).toEqual({ type: 'paused', transferId: 't1', bytesReceived: 0 });
      t.service.resume('t1');
      expect(await t.ended()).toMatchObject({ type: 'fetched', contentHash: sha(PNG) });
      expect(t.host.requests[1]?.headers.has('range')).toBe(false);
      expect(t.facts.map((fact) => fact.type)).toEqual(['paused', 'resumed', 'sniffed', 'fetched']);
    });

    it('pause and resume are no-ops where they do not apply; a paused transfer can be cancelled', async () => {
      const t = await pausedAfter(1000, () => ({ body: 'tap' }));
      await t.service.pause('t1');
      expect(t.facts.filter((fact) => fact.type === 'paused')).toHaveLength(1);
      await t.service.cancel('t1');
      expect(t.service.status()).toEqual([]);
      const done = setUp(() => ({ body: PNG }));
      done.service.start(request());
      await done.ended();
      await done.service.pause('t1');
      done.service.resume('t1');
      expect(done.host.requests).toHaveLength(1);
      expect(done.service.status()[0]?.state).toBe('fetched');
    });
  });
});
}

function makeGif(): Uint8Array {
  return new Uint8Array([...new TextEncoder().encode('GIF89a'), 1, 0, 1, 0, 0, 0, 0, ...new Uint8Array(600), 0x3b]);
}
