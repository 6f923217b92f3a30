/** The pure domain: file names, image types, failure classification, retry delays, the aggregate's fold. */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { buildDownloadPath, sanitizeBaseName, sanitizeFolder } from '../../src/domain/filename.ts';
import { sniffImageType } from '../../src/domain/image-type.ts';
import { classifyHttpStatus, classifyInterrupt, failureEvent, retryDelayMs, DEFAULT_RETRY_POLICY } from '../../src/domain/failure.ts';
import { validateSourceUrl } from '../../src/domain/urls.ts';
import { isGoogleImagesUrl } from '../../src/shared/google-domains.ts';
import { controlState, evolve, foldStream, publicStatus, type DownloadState } from '../../src/domain/download.ts';
import type { StoredEvent } from '../../src/domain/events.ts';

const RESERVED = /^(con|prn|aux|nul|com[0-9]|lpt[0-9])$/i;

/** Every rule of the contract's "File names are safe on every desktop OS". */
function assertSafeName(name: string): void {
  expect(new TextEncoder().encode(name).length).toBeLessThanOrEqual(255);
  // eslint-disable-next-line no-control-regex -- checking that none is left
  expect(name).not.toMatch(/[<>:"/\\|?*\u0000-\u001f]/);
  expect(name.startsWith('.')).toBe(false);
  expect(/[. ]$/.test(name)).toBe(false);
  expect(RESERVED.test(name.split('.')[0] ?? '')).toBe(false);
  expect(name.length).toBeGreaterThan(0);
}

describe('file names', () => {
  it.each([
    ['https://x.test/a/photo.jpg', 'png', 'Semantest/photo.png'],
    ['https://x.test/CON.jpg', 'jpg', 'Semantest/_CON.jpg'],
    ['https://x.test/com1.txt.jpg', 'jpg', 'Semantest/_com1.txt.jpg'],
    ['https://x.test/..%2F..%2Fetc%2Fpasswd', 'png', 'Semantest/etc passwd.png'],
    ['https://x.test/%E7%8C%AB.webp', 'webp', 'Semantest/猫.webp'],
    ['https://x.test/a%3Cb%3E%3A%22%7C%3F%2A.gif', 'gif', 'Semantest/a b.gif'],
  ])('%s as %s → %s', (url, extension, expected) => {
    expect(buildDownloadPath({ imageUrl: url, folder: 'Semantest', extension })).toBe(expected);
  });

  it('uses the title when the URL names nothing', () => {
    expect(buildDownloadPath({ imageUrl: 'https://encrypted-tbn0.gstatic.com/images?q=tbn:abc', title: 'A dog: "best"?', folder: 'Semantest', extension: 'jpg' })).toBe(
      'Semantest/A dog best.jpg',
    );
  });

  it('keeps folders relative, without traversal', () => {
    expect(sanitizeFolder('../../x/./Semantest/../y')).toBe('x/Semantest/y');
    expect(sanitizeFolder('/abs\\path')).toBe('abs/path');
  });

  it('cuts long names to 255 bytes without splitting a character', () => {
    const name = sanitizeBaseName('😀'.repeat(200));
    expect(new TextEncoder().encode(name).length).toBeLessThanOrEqual(255);
    expect(name).toMatch(/^(😀)+$/u);
  });

  it('every output of any input is a safe name (property)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 400 }), fc.constantFrom('jpg', 'png', 'webp'), (raw, extension) => {
        const path = buildDownloadPath({ imageUrl: `https://x.test/${encodeURIComponent(raw)}`, title: raw, folder: 'Semantest', extension });
        const [folder, file, ...rest] = path.split('/');
        expect(folder).toBe('Semantest');
        expect(rest).toEqual([]);
        assertSafeName(file ?? '');
        expect(file?.endsWith(`.${extension}`)).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('image types by magic numbers', () => {
  const bytes = (...values: number[]): Uint8Array => new Uint8Array(values);
  const text = (value: string): Uint8Array => new TextEncoder().encode(value);
  it.each([
    [bytes(0xff, 0xd8, 0xff, 0xe0), 'jpg'],
    [bytes(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a), 'png'],
    [text('GIF89a....'), 'gif'],
    [text('RIFF\0\0\0\0WEBPVP8 '), 'webp'],
    [text('\0\0\0\x1cftypavif'), 'avif'],
    [text('<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"></svg>'), 'svg'],
  ])('%#: %s', (input, extension) => {
    expect(sniffImageType(input)?.extension).toBe(extension);
  });
  it.each([[text('<!doctype html><html><body>x</body></html>')], [text('{"error":"no"}')], [new Uint8Array()], [text('RIFF\0\0\0\0WAVE')]])(
    'refuses what is not an image %#',
    (input) => expect(sniffImageType(input)).toBeNull(),
  );
});

describe('failure classification (the contract: 5xx, 408, 429 and network retry; other 4xx do not)', () => {
  it.each([500, 502, 503, 504, 408, 429])('HTTP %i is retryable', (status) => expect(classifyHttpStatus(status)?.retryable).toBe(true));
  it.each([400, 401, 403, 404, 410, 451])('HTTP %i is final', (status) => expect(classifyHttpStatus(status)?.retryable).toBe(false));
  it('2xx is no failure', () => expect(classifyHttpStatus(200)).toBeNull());
  it.each([
    ['NETWORK_FAILED', true],
    ['SERVER_FAILED', true],
    ['SERVER_CONTENT_LENGTH_MISMATCH', true],
    ['NETWORK_TIMEOUT', true],
    ['USER_CANCELED', false],
    ['SERVER_BAD_CONTENT', false],
    ['SERVER_FORBIDDEN', false],
    ['FILE_VIRUS_INFECTED', false],
    ['FILE_BLOCKED', false],
  ])('interrupt %s retryable=%s', (reason, retryable) => expect(classifyInterrupt(reason).retryable).toBe(retryable));

  it('delays grow, with bounded jitter', () => {
    expect([1, 2, 3].map((n) => retryDelayMs(n, DEFAULT_RETRY_POLICY, 0.5))).toEqual([1000, 2000, 4000]);
    expect(retryDelayMs(1, DEFAULT_RETRY_POLICY, 0)).toBe(800);
    expect(retryDelayMs(1, DEFAULT_RETRY_POLICY, 0.999)).toBeLessThanOrEqual(1200);
    expect(retryDelayMs(30, DEFAULT_RETRY_POLICY, 0.5)).toBe(30_000);
  });

  it('the fourth retryable failure is dead-lettered; a final one never retries', () => {
    const retryable = { code: 'http_server_error' as const, retryable: true, message: 'x' };
    expect(failureEvent('u', retryable, 3, DEFAULT_RETRY_POLICY, 0, 0.5)).toMatchObject({ nextAttemptAt: 4000, deadLettered: false });
    expect(failureEvent('u', retryable, 4, DEFAULT_RETRY_POLICY, 0, 0.5)).toMatchObject({ nextAttemptAt: null, deadLettered: true });
    expect(failureEvent('u', { ...retryable, retryable: false }, 1, DEFAULT_RETRY_POLICY, 0, 0.5)).toMatchObject({ nextAttemptAt: null, deadLettered: false });
  });
});

describe('URLs', () => {
  it.each(['javascript:alert(1)', 'data:image/png;base64,AAAA', 'file:///etc/passwd', 'chrome://settings', 'https://user:pw@x.test/a.jpg', 'not a url', '/relative.jpg'])(
    'refuses %s',
    (url) => expect(validateSourceUrl(url)).not.toBeNull(),
  );
  it('accepts http and https', () => {
    expect(validateSourceUrl('https://x.test/a.jpg')).toBeNull();
    expect(validateSourceUrl('http://127.0.0.1:8080/a.jpg')).toBeNull();
  });
  it.each([
    ['https://www.google.com/search?q=cat&udm=2', true],
    ['https://google.de/search?tbm=isch&q=x', true],
    ['https://images.google.com/search?q=x&tbm=isch', true],
    ['https://www.google.co.jp/search?q=x&udm=2', true],
    ['https://www.google.com/search?q=cat', false],
    ['https://www.google.com/maps?udm=2', false],
    ['https://www.google.evil.com/search?udm=2', false],
    ['http://www.google.com/search?udm=2', false],
  ])('%s is Google Images: %s', (url, expected) => expect(isGoogleImagesUrl(url)).toBe(expected));
});

describe('the download aggregate', () => {
  const at = (version: number, type: StoredEvent['type'], data: unknown): StoredEvent =>
    ({ position: version, eventId: `e${version}`, streamId: 's', version, type, schemaVersion: 1, data, metadata: { correlationId: 'c', causationId: 'x' }, correlationId: 'c', causationId: 'x', createdAt: version * 1000 }) as StoredEvent;
  it('folds a full life: requested → retry-wait → completed', () => {
    const state = foldStream([
      at(1, 'GoogleImageDownloadRequested', { imageUrl: 'https://i.test/a.jpg', sourcePageUrl: 'https://www.site.test/p', strategy: 'udm2_inline' }),
      at(2, 'GoogleImageDownloadFailed', { imageUrl: 'https://i.test/a.jpg', error: 'e', code: 'network', retryable: true, attempt: 1, nextAttemptAt: 5000, deadLettered: false }),
    ]);
    expect(state).toMatchObject({ phase: 'retry-wait', attempt: 2, sourceHost: 'site.test', failures: 1 });
    expect(publicStatus(state?.phase ?? 'queued')).toBe('queued');
    const done = foldStream([
      at(1, 'GoogleImageDownloadRequested', { imageUrl: 'https://i.test/a.jpg', strategy: 'udm2_inline' }),
      at(2, 'ImageSourceValidated', { attempt: 1, mimeType: 'image/jpeg', extension: 'jpg', filename: 'Semantest/a.jpg', contentLength: 3, transfer: 'url' }),
      at(3, 'DownloadInitiated', { attempt: 1, filename: 'Semantest/a.jpg', url: 'https://i.test/a.jpg' }),
      at(4, 'DownloadStarted', { attempt: 1, chromeDownloadId: 9 }),
      at(5, 'DownloadPaused', {}),
      at(6, 'DownloadResumed', {}),
      at(7, 'GoogleImageDownloadCompleted', { imageUrl: 'https://i.test/a.jpg', filePath: '/d/Semantest/a.jpg', fileSize: 3, downloadTime: 6000, mimeType: 'image/jpeg' }),
    ]);
    expect(done).toMatchObject({ phase: 'completed', version: 7, filePath: '/d/Semantest/a.jpg', fileSize: 3, chromeDownloadId: 9 });
    expect(controlState('dead-lettered')).toBe('failed');
    expect(controlState('paused')).toBe('downloading');
  });

  it('never changes the state it is given: each event makes a new object (the read model and the saga keep the old one)', () => {
    const deepFreeze = <T>(value: T): T => {
      if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
        Object.freeze(value);
        for (const inner of Object.values(value)) deepFreeze(inner);
      }
      return value;
    };
    const life = [
      at(1, 'GoogleImageDownloadRequested', { imageUrl: 'https://i.test/a.png', strategy: 'udm2_inline' }),
      at(2, 'ImageSourceValidated', { attempt: 1, mimeType: 'image/png', extension: 'png', filename: 'Semantest/a.png', contentLength: 3, transfer: 'url', convertTo: 'image/jpeg' }),
      at(3, 'ImageConverted', { from: 'image/png', to: 'image/jpeg', filename: 'Semantest/a.jpg' }),
      at(4, 'DownloadInitiated', { attempt: 1, filename: 'Semantest/a.jpg', url: 'https://i.test/a.png' }),
      at(5, 'DownloadStarted', { attempt: 1, chromeDownloadId: 9 }),
      at(6, 'DownloadPaused', {}),
      at(7, 'DownloadResumed', {}),
      at(8, 'GoogleImageDownloadFailed', { imageUrl: 'https://i.test/a.png', error: 'e', code: 'network', retryable: true, attempt: 1, nextAttemptAt: 9000, deadLettered: false }),
      at(9, 'GoogleImageDownloadRetryRequested', {}),
      at(10, 'GoogleImageDownloadCompleted', { imageUrl: 'https://i.test/a.png', filePath: '/d/Semantest/a.jpg', fileSize: 3, downloadTime: 6000, mimeType: 'image/jpeg' }),
    ];
    let state: DownloadState | undefined;
    for (const event of life) {
      const before = state === undefined ? undefined : structuredClone(state);
      const next = evolve(deepFreeze(state), event);
      expect(state).toEqual(before);
      expect(next).not.toBe(state);
      expect(next).toMatchObject({ version: event.version, lastEventId: event.eventId });
      state = next;
    }
    expect(state).toMatchObject({ phase: 'completed', failures: 1, attempt: 1, filename: 'Semantest/a.jpg', convertedTo: 'image/jpeg' });
  });
});
