// A local image host on 127.0.0.1 for the end-to-end tests, the benchmark and the offline demo. It serves the
// Google fixtures' originals and thumbnails (different bytes, so a test can tell which was saved) and misbehaves
// on purpose under /fault/<kind>/<name>. Every request is logged.
//
// Paths:
//   /originals/<name>, /thumbs/<name>     the fixtures (fixtureImages())
//   /fault/<kind>/<name>                   misbehaviour, see `faults` below (500, switch, 404, html, referer,
//                                          png-as-jpg, slow, redirect, drop, late, hang, big, empty, changes, bomb,
//                                          flaky)
//   /large/<kind>/<MB>/<name>              an original of <MB> MiB (1-400), generated and streamed in 64 KiB
//                                          pieces, never held whole: a real 64x48 PNG followed by deterministic
//                                          padding (decoders stop at IEND). <kind>: png (honest image/png),
//                                          lying (served as image/jpeg), octet (application/octet-stream),
//                                          referer (403 unless the Referer is an https://example.org/ page).
//                                          `largeSha256(MB)` gives its sha-256 (computed once, streamed).
//   any path in `host.served`             what the test set for it (host name + path + query, then path + query,
//                                          then the path alone):
//                                          other hosts' URL shapes mapped onto this host (bigger originals)
//   /sized/<bytes>/<name>                  a JPEG of exactly <bytes> bytes (16 B - 64 MiB; padding after its end),
//                                          the same bytes for the same name and size (bench: 0.3-3 MB originals)
//
// Range: every image answer (originals, thumbs, slow, big, large, sized) has a strong ETag and a Last-Modified
// and honours `Range: bytes=N-` / `bytes=N-M` with 206 + Content-Range (If-Range that does not match: 200, the
// whole). `host.ignoreRange = true` answers 200 with the whole body to every Range request (a host without
// range support). An unsatisfiable range: 416.
//
// Counters: `requests` (every path, in order), `hits(prefix)`, `peakInFlight(prefix)` (most requests open at once),
// `bytesSent(prefix)` (body bytes written, per
// path prefix; '' for all) and `rangeRequests` (the Range header of each request that had one, with its path).
//
// Realistic mode (`startImageHost({ realistic: true })`, or `host.realistic = { firstByteMs, bytesPerSecond }`
// at any time; null: off): every answer waits `firstByteMs` (80) before its first byte, and the bodies of all
// connections share `bytesPerSecond` (40 MB/s), sent in 64 KiB pieces in turn.
import { createServer } from 'node:http';
import { createHash } from 'node:crypto';
import { deflateSync } from 'node:zlib';

function crc32(bytes) {
  let crc = ~0;
  for (const byte of bytes) {
    crc ^= byte;
    for (let k = 0; k < 8; k++) crc = (crc >>> 1) ^ (0xedb88320 & -(crc & 1));
  }
  return ~crc >>> 0;
}

function pngChunk(type, data) {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'ascii');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0);
  return Buffer.concat([head, data, crc]);
}

/** An RGB PNG of width×height with a pattern seeded by `seed`. */
export function makePng(width, height, seed) {
  const stride = width * 3 + 1;
  const raw = Buffer.alloc(stride * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = y * stride + 1 + x * 3;
      raw[i] = (x * 7 + seed * 31) & 255;
      raw[i + 1] = (y * 5 + seed * 17) & 255;
      raw[i + 2] = ((x ^ y) + seed * 3) & 255;
    }
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 2, 0, 0, 0], 8);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', ihdr),
    pngChunk('IDAT', deflateSync(raw)),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}

// A valid 1×1 baseline JPEG; a comment segment (FFFE) after SOI makes each image's bytes unique.
const TINY_JPEG = Buffer.from(
  '/9j/4AAQSkZJRgABAQEASABIAAD/2wBDAP//////////////////////////////////////////////////////////////////////////////////////wgALCAABAAEBAREA/8QAFBABAAAAAAAAAAAAAAAAAAAAAP/aAAgBAQABPxA=',
  'base64',
);

export function makeJpeg(label, padding = 0) {
  const text = Buffer.from(`${label}${'.'.repeat(padding)}`, 'latin1');
  const length = Buffer.alloc(2);
  length.writeUInt16BE(text.length + 2, 0);
  return Buffer.concat([TINY_JPEG.subarray(0, 2), Buffer.from([0xff, 0xfe]), length, text, TINY_JPEG.subarray(2)]);
}

/** A minimal PDF document. */
export const PDF = Buffer.from('%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n', 'latin1');

/** A valid 1×1 lossless WebP. */
export const TINY_WEBP = Buffer.from('UklGRhoAAABXRUJQVlA4TA0AAAAvAAAAEAcQERGIiP4HAA==', 'base64');

export const sha256 = (bytes) => createHash('sha256').update(bytes).digest('hex');

/**
 * A picture, the same at every size (smooth coloured blobs on a gradient, from `seed`), as a PNG of width×height:
 * a thumbnail and its original for the source-page finder, which compares pictures by their pixels. 4:3 by default.
 */
export function makePicture(seed, width, height) {
  const random = (n) => {
    const x = Math.sin(seed * 9301 + n * 49297) * 233280;
    return x - Math.floor(x);
  };
  const blobs = Array.from({ length: 5 }, (_, i) => ({ x: random(i), y: random(i + 10), r: 0.12 + random(i + 20) * 0.3, c: [random(i + 30) * 255, random(i + 40) * 255, random(i + 50) * 255] }));
  const base = [random(60) * 160 + 40, random(61) * 160 + 40, random(62) * 160 + 40];
  const stride = width * 3 + 1;
  const raw = Buffer.alloc(stride * height);
  for (let y = 0; y < height; y++) {
    const v = y / height;
    for (let x = 0; x < width; x++) {
      const u = x / width;
      const rgb = [base[0] * (0.6 + 0.4 * u), base[1] * (0.6 + 0.4 * v), base[2] * (1 - 0.4 * u)];
      for (const blob of blobs) {
        const w = Math.exp(-((u - blob.x) ** 2 + (v - blob.y) ** 2) / (blob.r * blob.r));
        for (let k = 0; k < 3; k++) rgb[k] = rgb[k] * (1 - w) + blob.c[k] * w;
      }
      const i = y * stride + 1 + x * 3;
      raw[i] = rgb[0];
      raw[i + 1] = rgb[1];
      raw[i + 2] = rgb[2];
    }
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 2, 0, 0, 0], 8);
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), pngChunk('IHDR', ihdr), pngChunk('IDAT', deflateSync(raw)), pngChunk('IEND', Buffer.alloc(0))]);
}

/** A picture's seed from any text (a thumbnail's tbn token, a page address): the same text, the same picture. */
export function pictureSeed(text) {
  let hash = 2166136261;
  for (const char of text) hash = Math.imul(hash ^ char.charCodeAt(0), 16777619);
  return (hash >>> 0) % 100_000;
}

/** The images the Google fixtures name: `{{IMG}}/originals/<name>` and `{{IMG}}/thumbs/<name>`. */
export function fixtureImages() {
  const jpeg = (name, seed) => ({ original: makeJpeg(`original ${name} ${seed}`, 4000), thumb: makeJpeg(`thumb ${name} ${seed}`), contentType: 'image/jpeg' });
  return new Map([
    ['dog.png', { original: makePng(160, 120, 1), thumb: makePng(16, 12, 1), contentType: 'image/png' }],
    ['cat.jpg', jpeg('cat', 2)],
    ['bird.jpg', jpeg('bird', 3)],
    ['fish.webp', { original: TINY_WEBP, thumb: makePng(8, 8, 4), contentType: 'image/webp' }],
    ['fox.jpg', jpeg('fox', 5)],
    ['owl.jpg', jpeg('owl', 6)],
  ]);
}

function sendImage(res, body, type) {
  res.writeHead(200, { 'content-type': type, 'content-length': body.length, 'cache-control': 'no-store' });
  res.end(body);
}

function sendStatus(res, status, body, type = 'text/plain') {
  res.writeHead(status, { 'content-type': type });
  res.end(body);
}

const PIECE = 64 * 1024;
const LAST_MODIFIED = 'Mon, 01 Dec 2025 00:00:00 GMT';
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
function waitDrain(res) {
  return new Promise((resolve) => {
    if (res.destroyed) return resolve();
    const done = () => {
      res.off('drain', done).off('close', done);
      resolve();
    };
    res.on('drain', done).on('close', done);
  });
}

/** The 64x48 PNG every /large/ original starts with. */
const LARGE_HEAD = makePng(64, 48, 11);
/** Padding pattern: one pseudo-random MiB, each MiB of the padding XORed with its index (so MiBs differ). */
const PAD_BLOCK = (() => {
  const block = Buffer.alloc(1_048_576);
  let x = 0x9e3779b9;
  for (let i = 0; i < block.length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    block[i] = x & 255;
  }
  return block;
})();

/** Bytes [start, end) of a /large/ original of `size` bytes, generated. */
export function largeBytes(size, start, end) {
  const out = Buffer.alloc(Math.max(0, Math.min(end, size) - start));
  for (let at = start; at < start + out.length; ) {
    if (at < LARGE_HEAD.length) {
      const n = LARGE_HEAD.copy(out, at - start, at, Math.min(LARGE_HEAD.length, start + out.length));
      at += n;
      continue;
    }
    const inBlock = at % PAD_BLOCK.length;
    const n = Math.min(PAD_BLOCK.length - inBlock, start + out.length - at);
    const mark = Math.floor(at / PAD_BLOCK.length) & 255;
    for (let i = 0; i < n; i++) out[at - start + i] = PAD_BLOCK[inBlock + i] ^ mark;
    at += n;
  }
  return out;
}

const largeHashes = new Map();
/** sha-256 of the /large/ original of `megabytes` MiB (computed once by streaming it). */
export function largeSha256(megabytes) {
  const size = megabytes * 1_048_576;
  if (!largeHashes.has(size)) {
    const hash = createHash('sha256');
    for (let at = 0; at < size; at += 4 * 1_048_576) hash.update(largeBytes(size, at, at + 4 * 1_048_576));
    largeHashes.set(size, hash.digest('hex'));
  }
  return largeHashes.get(size);
}

/** A JPEG of exactly `size` bytes for `name` (a comment makes it unique; padding follows its end marker). */
export function sizedJpeg(name, size) {
  const jpeg = makeJpeg(`sized ${name} ${size}`);
  if (size <= jpeg.length) return jpeg;
  const pad = Buffer.alloc(size - jpeg.length);
  for (let i = 0; i < pad.length; i += PAD_BLOCK.length) PAD_BLOCK.copy(pad, i, 0, Math.min(PAD_BLOCK.length, pad.length - i));
  return Buffer.concat([jpeg, pad]);
}

/** `bytes=a-b` / `bytes=a-` against `size`: the range, 'unsatisfiable', or null (absent or not a single range). */
function parseRange(header, size) {
  const match = /^bytes=(\d+)-(\d*)$/.exec(String(header ?? '').trim());
  if (!match) return null;
  const start = Number(match[1]);
  const last = match[2] === '' ? size - 1 : Math.min(Number(match[2]), size - 1);
  if (start >= size || last < start) return 'unsatisfiable';
  return { start, end: last + 1 };
}

/** Starts the host on 127.0.0.1 (a free port unless `port` is given). */
export async function startImageHost({ port = 0, realistic = false } = {}) {
  const images = fixtureImages();
  const requests = [];
  const counts = new Map();
  const failing = new Set();
  const slow = { bytes: 512 * 1024, chunks: 40, intervalMs: 250 };
  const numbered = { holdMs: 0 };
  const original = (name) => images.get(name);
  const sent = new Map();
  const rangeRequests = [];
  const answersOf = new Map();
  const flakyAnswers = new Map();
  const served = new Map();
  const host = {
    ignoreRange: false,
    realistic: realistic ? { firstByteMs: 80, bytesPerSecond: 40_000_000 } : null,
  };
  // Realistic mode's shared line: each piece is sent when the line is free, so connections take turns.
  let lineFreeAt = 0;
  async function pace(bytes) {
    const line = host.realistic;
    if (!line) return;
    const now = performance.now();
    const start = Math.max(now, lineFreeAt);
    lineFreeAt = start + (bytes / line.bytesPerSecond) * 1000;
    if (lineFreeAt - now >= 1) await sleep(lineFreeAt - now);
  }

  /** Writes `length` bytes produced by `bytesAt(start, end)` in pieces, with backpressure and pacing. */
  async function stream(res, length, bytesAt) {
    for (let at = 0; at < length && !res.destroyed; at += PIECE) {
      const piece = bytesAt(at, Math.min(length, at + PIECE));
      await pace(piece.length);
      if (res.destroyed) return;
      if (!res.write(piece)) await waitDrain(res);
    }
    if (!res.destroyed) res.end();
  }

  /**
   * An image of `size` bytes (`bytesAt(start, end)`), honouring Range unless `host.ignoreRange`. `etag` names this
   * version of the bytes.
   */
  function sendRanged(req, res, { size, type, etag, bytesAt }) {
    const headers = { 'content-type': type, 'cache-control': 'no-store', etag, 'last-modified': LAST_MODIFIED, 'accept-ranges': host.ignoreRange ? 'none' : 'bytes' };
    const ifRange = req.headers['if-range'];
    const rangeHeader = req.headers.range;
    if (rangeHeader) rangeRequests.push({ path: new URL(req.url ?? '/', 'http://127.0.0.1').pathname, range: String(rangeHeader), ifRange: ifRange ?? null });
    const validatorMatches = ifRange === undefined || ifRange === etag || ifRange === LAST_MODIFIED;
    const range = !host.ignoreRange && validatorMatches ? parseRange(rangeHeader, size) : null;
    if (range === 'unsatisfiable') {
      res.writeHead(416, { 'content-range': `bytes */${size}` });
      return res.end();
    }
    if (range) {
      res.writeHead(206, { ...headers, 'content-length': range.end - range.start, 'content-range': `bytes ${range.start}-${range.end - 1}/${size}` });
      return void stream(res, range.end - range.start, (a, b) => bytesAt(range.start + a, range.start + b));
    }
    res.writeHead(200, { ...headers, 'content-length': size });
    if (!host.realistic && size <= PIECE) return res.end(bytesAt(0, size));
    return void stream(res, size, bytesAt);
  }
  const sendBuffer = (req, res, body, type) =>
    sendRanged(req, res, { size: body.length, type, etag: `"${sha256(body).slice(0, 16)}"`, bytesAt: (a, b) => body.subarray(a, b) });

  const faults = {
    // HTTP 500 on every request.
    500: (_req, res) => sendStatus(res, 500, 'server error'),
    // HTTP 500 to the first request for the name, the image to every later one (a host that recovers by itself).
    flaky: (_req, res, name) => {
      const pair = original(name);
      const seen = flakyAnswers.get(name) ?? 0;
      flakyAnswers.set(name, seen + 1);
      if (seen === 0 || !pair) sendStatus(res, 500, 'server error');
      else sendImage(res, pair.original, pair.contentType);
    },
    // HTTP 503 while the name is in `failing`, the image once it is taken out.
    switch: (_req, res, name) => {
      const pair = original(name);
      if (failing.has(name) || !pair) sendStatus(res, 503, 'unavailable');
      else sendImage(res, pair.original, pair.contentType);
    },
    404: (_req, res) => sendStatus(res, 404, '<!doctype html><title>Not found</title><h1>Not found</h1>', 'text/html'),
    // An HTML page with status 200 where the image should be (a hotlink-protection page, say).
    html: (_req, res) =>
      sendStatus(res, 200, '<!doctype html><html><head><title>Blocked</title></head><body>No hotlinking</body></html>', 'text/html; charset=utf-8'),
    // Hotlink protection: 403 unless the request's Referer is the image's own site (the fixtures' example.org pages).
    referer: (req, res, name) => {
      const pair = original(name);
      if (!pair || !String(req.headers.referer ?? '').startsWith('https://example.org/')) return sendStatus(res, 403, 'hotlinking not allowed');
      sendImage(res, pair.original, pair.contentType);
    },
    // A PNG whatever the name says (photo.jpg), with a lying content type.
    'png-as-jpg': (_req, res) => sendImage(res, makePng(40, 30, 9), 'image/jpeg'),
    // The original, padded with trailing bytes to `slow.bytes`, sent in `slow.chunks` pieces `slow.intervalMs` apart
    // (pause, resume and cancel need a download that is still running). Decoders ignore bytes after the image's end.
    slow: (req, res, name) => {
      const pair = original(name);
      if (!pair) return sendStatus(res, 404, 'no such fixture');
      const body = Buffer.concat([pair.original, Buffer.alloc(Math.max(0, slow.bytes - pair.original.length))]);
      const etag = `"slow-${sha256(body).slice(0, 16)}"`;
      const ifRange = req.headers['if-range'];
      if (req.headers.range) rangeRequests.push({ path: `/fault/slow/${name}`, range: String(req.headers.range), ifRange: ifRange ?? null });
      const range = !host.ignoreRange && (ifRange === undefined || ifRange === etag) ? parseRange(req.headers.range, body.length) : null;
      if (range === 'unsatisfiable') {
        res.writeHead(416, { 'content-range': `bytes */${body.length}` });
        return res.end();
      }
      const headers = { 'content-type': pair.contentType, 'cache-control': 'no-store', etag, 'accept-ranges': host.ignoreRange ? 'none' : 'bytes' };
      const { start, end } = range ?? { start: 0, end: body.length };
      if (range) res.writeHead(206, { ...headers, 'content-length': end - start, 'content-range': `bytes ${start}-${end - 1}/${body.length}` });
      else res.writeHead(200, { ...headers, 'content-length': body.length });
      // The same pace as a whole answer: pieces of a fortieth of the whole, `intervalMs` apart.
      const size = Math.ceil(body.length / slow.chunks);
      let at = start;
      const next = () => {
        if (res.destroyed) return;
        const piece = body.subarray(at, Math.min(end, at + size));
        at += piece.length;
        if (at >= end) return res.end(piece);
        res.write(piece);
        setTimeout(next, slow.intervalMs);
      };
      next();
    },
    // Redirected to the real original.
    redirect: (_req, res, name) => {
      res.writeHead(302, { location: `/originals/${name}` });
      res.end();
    },
    // Headers and half the body, then the connection is dropped.
    drop: (_req, res, name) => {
      const pair = original(name);
      if (!pair) return sendStatus(res, 404, 'no such fixture');
      const body = Buffer.concat([pair.original, Buffer.alloc(64 * 1024)]);
      res.writeHead(200, { 'content-type': pair.contentType, 'content-length': body.length });
      res.write(body.subarray(0, body.length >> 1), () => setTimeout(() => res.destroy(), 50));
    },
    // The original, after a 2 s wait for the headers.
    late: (_req, res, name) => {
      const pair = original(name);
      if (!pair) return sendStatus(res, 404, 'no such fixture');
      setTimeout(() => sendImage(res, pair.original, pair.contentType), 2000);
    },
    // Never answers (the connection stays open until the host closes).
    hang: () => undefined,
    // The original padded to 3 MB (decoders ignore bytes after the image's end).
    big: (req, res, name) => {
      const pair = original(name);
      if (!pair) return sendStatus(res, 404, 'no such fixture');
      sendBuffer(req, res, Buffer.concat([pair.original, Buffer.alloc(3 * 1_048_576 - pair.original.length)]), pair.contentType);
    },
    // The image to the first request for the name, then a web page labelled image/jpeg to every later one (a host
    // whose second answer is not what the first was: the bytes checked must be the bytes saved).
    changes: (req, res, name) => {
      const pair = original(name);
      if (!pair) return sendStatus(res, 404, 'no such fixture');
      const seen = answersOf.get(name) ?? 0;
      answersOf.set(name, seen + 1);
      if (seen === 0) return sendImage(res, pair.original, pair.contentType);
      sendStatus(res, 200, '<!doctype html><html><head><title>Image removed</title></head><body>This image is no longer available here.</body></html>', 'image/jpeg');
    },
    // A small PNG whose header declares 30,000 x 30,000 pixels (a decompression bomb for whoever decodes it).
    bomb: (_req, res) => {
      const png = makePng(4, 4, 12);
      png.writeUInt32BE(30_000, 16);
      png.writeUInt32BE(30_000, 20);
      png.writeUInt32BE(crc32(png.subarray(12, 29)), 29);
      sendImage(res, png, 'image/png');
    },
    empty: (_req, res) => {
      res.writeHead(200, { 'content-type': 'image/jpeg', 'content-length': 0 });
      res.end();
    },
  };

  const pictures = new Map();
  /** `/pic/<seed>/<w>x<h>.png`: makePicture's bytes (made once); `/real/<name>`: an original of a real page. */
  const generated = (path) => {
    const pic = /^\/pic\/(\d{1,6})\/(\d{1,4})x(\d{1,4})\.png$/.exec(path);
    if (pic) {
      if (!pictures.has(path)) pictures.set(path, { body: makePicture(Number(pic[1]), Number(pic[2]), Number(pic[3])), type: 'image/png' });
      return pictures.get(path);
    }
    const real = /^\/real\/([\w.-]{1,100})$/.exec(path);
    if (real) return { body: makeJpeg(`real page original ${real[1]}`, 2000), type: 'image/jpeg' };
    return undefined;
  };

  const route = (req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    // Any answer a test sets for a path (with its query, or without): other hosts' URL shapes mapped onto this one.
    const name = String(req.headers.host ?? '').replace(/:\d+$/, '');
    const set = served.get(name + url.pathname + url.search) ?? served.get(url.pathname + url.search) ?? served.get(url.pathname);
    if (set) return set.status && set.status !== 200 ? sendStatus(res, set.status, set.body, set.type) : sendImage(res, set.body, set.type);
    const made = generated(url.pathname);
    if (made) return sendImage(res, made.body, made.type);
    const [kind, a, b] = url.pathname.split('/').filter(Boolean);
    if (kind === 'originals' && original(a)) return sendBuffer(req, res, original(a).original, original(a).contentType);
    if (kind === 'thumbs' && original(a)) return sendBuffer(req, res, original(a).thumb, 'image/jpeg');
    if (kind === 'fault' && Object.hasOwn(faults, a)) return faults[a](req, res, b ?? '');
    if (kind === 'large') return large(req, res, a, Number(b));
    // A PDF (not an image): what a forged log would have the worker save as `Semantest/report.pdf`.
    if (kind === 'docs' && a === 'report.pdf') return sendImage(res, PDF, 'application/pdf');
    // Any number of distinct JPEGs, /numbered/<n>.jpg, each held `numbered.holdMs` before it is sent.
    if (kind === 'numbered' && /^\d{1,5}\.jpg$/.test(a ?? '')) {
      const body = makeJpeg(`numbered ${a}`, 1000);
      return void setTimeout(() => !res.destroyed && sendImage(res, body, 'image/jpeg'), numbered.holdMs);
    }
    if (kind === 'sized' && /^\d+$/.test(a ?? '') && Number(a) >= 16 && Number(a) <= 64 * 1_048_576 && b) {
      return sendBuffer(req, res, sizedJpeg(b, Number(a)), 'image/jpeg');
    }
    sendStatus(res, 404, 'no such fixture');
  };

  /** /large/<kind>/<MB>/<name> */
  function large(req, res, kind, megabytes) {
    const type = { png: 'image/png', lying: 'image/jpeg', octet: 'application/octet-stream', referer: 'image/png' }[kind];
    if (!type || !Number.isInteger(megabytes) || megabytes < 1 || megabytes > 400) return sendStatus(res, 404, 'no such large original');
    if (kind === 'referer' && !String(req.headers.referer ?? '').startsWith('https://example.org/')) return sendStatus(res, 403, 'hotlinking not allowed');
    const size = megabytes * 1_048_576;
    sendRanged(req, res, { size, type, etag: `"large-${megabytes}"`, bytesAt: (a, b) => largeBytes(size, a, b) });
  }

  const spans = [];
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    // Logged on arrival (realistic mode's wait comes after): "the host received the request".
    requests.push(url.pathname + url.search);
    counts.set(url.pathname, (counts.get(url.pathname) ?? 0) + 1);
    // Body bytes written, per path (what the host sent, whoever reads it).
    const path = url.pathname;
    const count = (chunk) => {
      if (chunk && typeof chunk !== 'function') sent.set(path, (sent.get(path) ?? 0) + Buffer.byteLength(chunk));
    };
    const write = res.write.bind(res);
    const end = res.end.bind(res);
    res.write = (chunk, ...more) => (count(chunk), write(chunk, ...more));
    res.end = (chunk, ...more) => (count(chunk), end(chunk, ...more));
    // How long each request was open (arrival → its response finished or dropped): what was in flight at once.
    const span = { path, from: performance.now(), to: Infinity };
    spans.push(span);
    res.on('close', () => (span.to = performance.now()));
    const firstByteMs = host.realistic?.firstByteMs ?? 0;
    if (firstByteMs > 0) setTimeout(() => route(req, res), firstByteMs);
    else route(req, res);
  });
  await new Promise((resolve) => server.listen(port, '127.0.0.1', resolve));
  const address = server.address();
  return Object.assign(host, {
    origin: `http://127.0.0.1:${address.port}`,
    generated,
    images,
    served,
    requests,
    failing,
    slow,
    rangeRequests,
    numbered,
    hits: (prefix) => requests.filter((path) => path.startsWith(prefix)).length,
    /** Each request's span (arrival and end, on this process's performance.now()) whose path starts with `prefix`. */
    spansOf: (prefix = '') => spans.filter((span) => span.path.startsWith(prefix)).map((span) => ({ ...span })),
    bytesSent: (prefix = '') => [...sent].reduce((sum, [path, bytes]) => (path.startsWith(prefix) ? sum + bytes : sum), 0),
    peakInFlight: (prefix = '') => {
      const edges = spans.filter((span) => span.path.startsWith(prefix)).flatMap((span) => [[span.from, 1], [span.to, -1]]);
      // An end before a start at the same instant: a connection handed on is not two at once.
      edges.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
      let open = 0;
      let peak = 0;
      for (const [, step] of edges) peak = Math.max(peak, (open += step));
      return peak;
    },
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  });
}

/**
 * An https front for the image host (a self-signed certificate the caller makes): hosts on the HSTS preload list
 * (upload.wikimedia.org, i.pinimg.com) are only ever asked over https, so their URL shapes need one.
 * @param {string} origin the image host's http origin
 * @param {{ key: Buffer, cert: Buffer }} tls
 */
export async function startTlsFront(origin, tls) {
  const { createServer: createHttpsServer } = await import('node:https');
  const { request } = await import('node:http');
  const back = new URL(origin);
  const server = createHttpsServer(tls, (req, res) => {
    const forward = request({ host: back.hostname, port: back.port, path: req.url, method: req.method, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    forward.on('error', () => res.destroy());
    req.pipe(forward);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: server.address().port,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
