// A local image host on 127.0.0.1 for the end-to-end tests, the benchmark and the offline demo. It serves the
// Google fixtures' originals and thumbnails (different bytes, so a test can tell which was saved) and misbehaves
// on purpose under /fault/<kind>/<name>. Every request is logged.
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

/** Starts the host on 127.0.0.1 (a free port unless `port` is given). */
export async function startImageHost({ port = 0 } = {}) {
  const images = fixtureImages();
  const requests = [];
  const counts = new Map();
  const failing = new Set();
  const slow = { bytes: 512 * 1024, chunks: 40, intervalMs: 250 };
  const numbered = { holdMs: 0 };
  const original = (name) => images.get(name);

  const faults = {
    // HTTP 500 on every request.
    500: (_req, res) => sendStatus(res, 500, 'server error'),
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
    slow: (_req, res, name) => {
      const pair = original(name);
      if (!pair) return sendStatus(res, 404, 'no such fixture');
      const body = Buffer.concat([pair.original, Buffer.alloc(Math.max(0, slow.bytes - pair.original.length))]);
      res.writeHead(200, { 'content-type': pair.contentType, 'content-length': body.length, 'cache-control': 'no-store' });
      const size = Math.ceil(body.length / slow.chunks);
      let sent = 0;
      const next = () => {
        if (res.destroyed) return;
        const piece = body.subarray(sent, sent + size);
        sent += piece.length;
        if (sent >= body.length) return res.end(piece);
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
    big: (_req, res, name) => {
      const pair = original(name);
      if (!pair) return sendStatus(res, 404, 'no such fixture');
      sendImage(res, Buffer.concat([pair.original, Buffer.alloc(3 * 1_048_576 - pair.original.length)]), pair.contentType);
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

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    requests.push(url.pathname + url.search);
    counts.set(url.pathname, (counts.get(url.pathname) ?? 0) + 1);
    const made = generated(url.pathname);
    if (made) return sendImage(res, made.body, made.type);
    const [kind, a, b] = url.pathname.split('/').filter(Boolean);
    if (kind === 'originals' && original(a)) return sendImage(res, original(a).original, original(a).contentType);
    if (kind === 'thumbs' && original(a)) return sendImage(res, original(a).thumb, 'image/jpeg');
    if (kind === 'fault' && Object.hasOwn(faults, a)) return faults[a](req, res, b ?? '');
    // A PDF (not an image): what a forged log would have the worker save as `Semantest/report.pdf`.
    if (kind === 'docs' && a === 'report.pdf') return sendImage(res, PDF, 'application/pdf');
    // Any number of distinct JPEGs, /numbered/<n>.jpg, each held `numbered.holdMs` before it is sent.
    if (kind === 'numbered' && /^\d{1,5}\.jpg$/.test(a ?? '')) {
      const body = makeJpeg(`numbered ${a}`, 1000);
      return void setTimeout(() => !res.destroyed && sendImage(res, body, 'image/jpeg'), numbered.holdMs);
    }
    sendStatus(res, 404, 'no such fixture');
  });
  await new Promise((resolve) => server.listen(port, '127.0.0.1', resolve));
  const address = server.address();
  return {
    origin: `http://127.0.0.1:${address.port}`,
    generated,
    images,
    requests,
    failing,
    slow,
    numbered,
    hits: (prefix) => requests.filter((path) => path.startsWith(prefix)).length,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
