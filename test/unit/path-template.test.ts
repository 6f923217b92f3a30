/**
 * Folder and name templates (docs/decisions/0045-path-templates.md): hostile token values never add a folder,
 * climb out, or make a reserved or hidden name; every path obeys CONTRACT.md "Files on disk".
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { buildDownloadPath, safePathProblem } from '../../src/domain/filename.ts';
import { fillTemplate, folderFromTemplate, folderTemplateProblem, tokenValue } from '../../src/domain/path-template.ts';
import { Settings, withRecentFolder } from '../../src/shared/settings.ts';
import { acceptedFolder, handleMessage, type MessageContext } from '../../src/background/messages.ts';
import { sagaHarness } from './saga-harness.ts';

const HOSTILE = ['..', '../..', '../../etc/passwd', '/', '\\..\\..\\Windows', 'CON', 'con.txt', 'LPT9', 'aux', '.hidden', '~', ' . ', 'a/b', 'x\u0000y\u001f', 'NUL.', '<>:"|?*', '.'];

describe('a token’s value is made safe on its own', () => {
  it.each(HOSTILE)('%j gives no separator, no dot-name, no reserved name', (raw) => {
    const value = tokenValue(raw);
    // eslint-disable-next-line no-control-regex -- control characters are exactly what must not be there
    expect(value).not.toMatch(/[/\\<>:"|?*\u0000-\u001f]/);
    expect(value).not.toMatch(/^[.~ ]|[. ]$/);
    expect(/^(con|prn|aux|nul|com\d|lpt\d)$/i.test(value.split('.')[0] ?? '')).toBe(false);
  });

  it('pads {index:03} and leaves unknown tokens as text', () => {
    expect(fillTemplate('{index:03}-{name}', { index: 7, name: 'cat' })).toBe('007-cat');
    expect(fillTemplate('{index}-{nope}', { index: 12 })).toBe('12-{nope}');
    expect(fillTemplate('{width}x{height}', { width: 1920, height: 1080 })).toBe('1920x1080');
  });
});

describe('folder templates', () => {
  it.each([
    ['..', 'Semantest'],
    ['../..', 'Semantest'],
    ['../../etc', 'Semantest/etc'],
    ['a/b', 'Semantest/a b'],
    ['CON', 'Semantest/_CON'],
    ['.ssh', 'Semantest/ssh'],
    ['cats', 'Semantest/cats'],
  ])('query %j in Semantest/{query} gives %j', (query, folder) => {
    expect(folderFromTemplate('Semantest/{query}', { query })).toBe(folder);
  });

  it('a site of "/" or ".." adds no folder; the template’s own "/" does', () => {
    expect(folderFromTemplate('{site}/{query}', { site: '..', query: '/' })).toBe('');
    expect(folderFromTemplate('Pics/{site}/{date}', { site: 'example.org', date: '2026-12-07' })).toBe('Pics/example.org/2026-12-07');
  });

  it('every path from hostile values keeps to the contract (property)', () => {
    const hostile = fc.oneof(fc.constantFrom(...HOSTILE), fc.string(), fc.string({ unit: 'grapheme', maxLength: 300 }));
    fc.assert(
      fc.property(hostile, hostile, hostile, fc.integer({ min: 1, max: 5000 }), (query, site, title, index) => {
        const path = buildDownloadPath({
          imageUrl: 'https://images.example/%2E%2E%2Fx.jpg',
          folder: 'Semantest/{query}/{site}',
          pattern: '{index:04} {title} {query}',
          extension: 'jpg',
          query,
          site,
          title,
          index,
        });
        expect(safePathProblem(path)).toBeNull();
        expect(path.startsWith('Semantest/')).toBe(true);
        expect(path.split('/').length).toBeLessThanOrEqual(4);
      }),
      { numRuns: 2000 },
    );
  });

  it('a template the user (or a page) names is checked in words', () => {
    expect(folderTemplateProblem('Semantest/{query}')).toBeNull();
    expect(folderTemplateProblem('')).toBeNull();
    expect(folderTemplateProblem('../x')).toMatch(/"\.\."/);
    expect(folderTemplateProblem('a//b')).toMatch(/empty/);
    expect(folderTemplateProblem('Semantest/CON')).toMatch(/not a safe folder name/);
    expect(folderTemplateProblem('Semantest/.git')).toMatch(/not a safe folder name/);
    expect(folderTemplateProblem('Semantest/{home}')).toMatch(/"\{home\}" is not a token/);
    expect(folderTemplateProblem('C:\\Windows')).toMatch(/not a safe folder name/);
    expect(Settings.safeParse({ folder: '../../etc' }).success).toBe(false);
    expect(Settings.parse({ folder: 'Semantest/{query}' }).folder).toBe('Semantest/{query}');
  });

  it('recent folders: newest first, once each, bounded', () => {
    let recent: string[] = [];
    for (const folder of ['a', 'b', 'a', 'c', 'd', 'e', 'f', 'g', 'h', 'i']) recent = withRecentFolder(recent, folder);
    expect(recent).toEqual(['i', 'h', 'g', 'f', 'e', 'd', 'c', 'a']);
    expect(acceptedFolder('../x', ['../x'])).toEqual({ folder: '../x' });
    expect(acceptedFolder('../x', [])).toMatchObject({ error: expect.stringMatching(/cannot be used/) });
  });
});

describe('the worker’s side', () => {
  const ID = 'abcdefghijklmnopabcdefghijklmnop';
  const page = { id: ID, fromContentScript: true, url: 'https://www.google.com/search?q=cats&udm=2', tabId: 3, frameId: 0 };

  async function worker(recent: string[] = []) {
    const t = await sagaHarness({ settings: { folder: 'Semantest', fileNamePattern: '{index:02}-{name}' } });
    const used: string[] = [];
    const folders = { current: () => 'Semantest', recent: () => recent, used: async (folder: string) => void used.push(folder) };
    const ctx: MessageContext = { saga: t.saga, queries: t.queries, extensionId: ID, extensionOrigin: `chrome-extension://${ID}`, newId: () => crypto.randomUUID(), folders };
    return { t, ctx, used };
  }
  const images = (query: string) => ['a.jpg', 'b.jpg'].map((name) => ({ imageUrl: `https://images.example/${name}`, query, strategy: 'udm2_inline' as const }));

  it('a page may ask for the recent folders; the current one is among them', async () => {
    const { ctx } = await worker(['Semantest/{query}']);
    expect(await handleMessage({ type: 'folders.recent' }, page, ctx)).toEqual({ ok: true, folders: ['Semantest', 'Semantest/{query}'] });
  });

  it('a batch’s folder template with a hostile query saves under a safe folder, numbered in order', async () => {
    const { t, ctx, used } = await worker(['Semantest/{query}']);
    const answer = await handleMessage({ type: 'download.batch', commandId: crypto.randomUUID(), images: images('../../CON'), folder: 'Semantest/{query}' }, page, ctx);
    expect(answer).toMatchObject({ ok: true });
    for (const id of (answer as { streamIds: string[] }).streamIds) await t.settled(id);
    expect(t.downloads.calls.map((call) => call.filename).sort()).toEqual(['Semantest/_CON/01-a.png', 'Semantest/_CON/02-b.png']);
    expect(used).toEqual(['Semantest/{query}']);
  });

  it('a folder the user neither set nor used is refused whole, nothing written — a valid template too', async () => {
    const { t, ctx, used } = await worker(['Semantest/{query}']);
    for (const folder of ['../Desktop', 'Elsewhere/{site}']) {
      const answer = await handleMessage({ type: 'download.batch', commandId: crypto.randomUUID(), images: images('x'), folder }, page, ctx);
      expect(answer).toMatchObject({ ok: false, error: expect.stringMatching(/cannot be used/) });
    }
    expect(await t.store.readAll(0, 10)).toEqual([]);
    expect(used).toEqual([]);
    // The folder set now is accepted without having been used.
    expect(await handleMessage({ type: 'download.batch', commandId: crypto.randomUUID(), images: images('x'), folder: 'Semantest' }, page, ctx)).toMatchObject({ ok: true });
  });
});
