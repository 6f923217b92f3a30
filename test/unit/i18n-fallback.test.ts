import { afterEach, describe, expect, it, vi } from 'vitest';
import { readFileSync } from 'node:fs';

const english = readFileSync(new URL('../../public/_locales/en/messages.json', import.meta.url), 'utf8');

/** chrome.i18n as Chromium sometimes gives it to an extension page: every key answers ''. */
function emptyBundle(answer: (key: string) => string = () => '') {
  const fetched: string[] = [];
  vi.stubGlobal('chrome', {
    i18n: { getMessage: answer },
    runtime: { getURL: (path: string) => `chrome-extension://id/${path}` },
  });
  vi.stubGlobal('fetch', async (url: string) => {
    fetched.push(url);
    return new Response(english);
  });
  return fetched;
}

describe('t() when chrome.i18n answers nothing', () => {
  afterEach(() => {
    vi.unstubAllGlobals();
    vi.resetModules();
  });

  it('reads the package’s English once and substitutes $1…$3 as Chrome does', async () => {
    const fetched = emptyBundle();
    const { t, messagesReady } = await import('../../src/platform/i18n.ts');
    expect(t('imported', ['200', '0', '0'])).toBe('imported');
    await messagesReady();
    await messagesReady();
    expect(fetched).toEqual(['/_locales/en/messages.json']);
    expect(t('imported', ['200', '0', '0'])).toBe('Imported: 200 taken, 0 already there, 0 refused.');
    expect(t('no-such-key')).toBe('no-such-key');
  });

  it('reads nothing when the bundle is there', async () => {
    const fetched = emptyBundle((key) => `«${key}»`);
    const { t, messagesReady } = await import('../../src/platform/i18n.ts');
    await messagesReady();
    expect(fetched).toEqual([]);
    expect(t('imported')).toBe('«imported»');
  });

  it('substitute: $$ is a dollar, a missing value is empty', async () => {
    const { substitute } = await import('../../src/platform/i18n.ts');
    expect(substitute('$1 costs $$2 ($2)', 'it')).toBe('it costs $2 ()');
  });
});
