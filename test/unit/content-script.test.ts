/**
 * The content script's zod-free pieces held to the worker's zod schemas, the keyboard command's forwarding, and
 * the worker's one exception for `data:` addresses (an explicit thumbnail choice only).
 */
import { describe, expect, it } from 'vitest';
import { stoppedTimers } from '../fakes/clock.ts';
import { readFileSync } from 'node:fs';
import { parseTabMessage } from '../../src/content/tab-message.ts';
import { TabMessage } from '../../src/shared/protocol.ts';
import { DOWNLOAD_PREVIEW_COMMAND, handleCommand } from '../../src/background/commands.ts';
import { validateSourceUrl } from '../../src/domain/urls.ts';
import { buildDownloadPath } from '../../src/domain/filename.ts';
import { TransferService } from '../../src/transfer/service.ts';
import type { TransferFact } from '../../src/platform/transfer-port.ts';

const PNG_1x1 = 'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==';
const update = { streamId: 's-1', imageUrl: 'https://x.test/a.jpg', state: 'downloading', progress: 0.5, message: null };

describe('parseTabMessage (the content script has no zod)', () => {
  const samples: unknown[] = [
    { type: 'control.update', update },
    { type: 'control.update', update: { ...update, state: 'completed', progress: null, message: 'a.jpg' } },
    { type: 'preview.download' },
    { type: 'control.update', update: { ...update, state: 'exploded' } },
    { type: 'control.update', update: { ...update, progress: 1.5 } },
    { type: 'control.update', update: { ...update, progress: Number.NaN } },
    { type: 'control.update', update: { ...update, streamId: '' } },
    { type: 'control.update', update: { ...update, streamId: 'x'.repeat(101) } },
    { type: 'control.update', update: { ...update, message: 42 } },
    { type: 'control.update', update: { ...update, progress: undefined } },
    { type: 'control.update', update: { ...update, imageUrl: undefined } },
    { type: 'control.update' },
    { type: 'control.update', update: [] },
    { type: 'nope' },
    null,
    'control.update',
    [],
    42,
  ];
  it.each(samples.map((sample) => [JSON.stringify(sample) ?? String(sample), sample]))('agrees with the zod schema on %s', (_name, sample) => {
    const zod = TabMessage.safeParse(sample);
    expect(parseTabMessage(sample)).toEqual(zod.success ? zod.data : null);
  });
  it('drops fields the schema does not know', () => {
    expect(parseTabMessage({ type: 'control.update', update: { ...update, extra: '<img onerror>' }, more: 1 })).toEqual({ type: 'control.update', update });
  });
});

describe('the keyboard command', () => {
  it('forwards download-preview to the tab it was pressed in, and nothing else', () => {
    const sent: Array<[number, unknown]> = [];
    const tabs = { send: (tabId: number, message: unknown) => void sent.push([tabId, message]) };
    expect(handleCommand(DOWNLOAD_PREVIEW_COMMAND, 7, tabs)).toBe(true);
    expect(handleCommand('something-else', 8, tabs)).toBe(false);
    expect(sent).toEqual([[7, { type: 'preview.download' }]]);
    expect(TabMessage.safeParse(sent[0]?.[1]).success).toBe(true);
  });
  it('is declared in the manifest with a default key the user can rebind', () => {
    const source = readFileSync('manifest.config.ts', 'utf8');
    expect(source).toContain(`'${DOWNLOAD_PREVIEW_COMMAND}': { suggested_key: { default: 'Alt+Shift+D' }`);
  });
});

describe('data: addresses only for an explicit thumbnail choice', () => {
  it('validateSourceUrl refuses data: unless allowed, and then only images', () => {
    expect(validateSourceUrl(PNG_1x1)).toMatch(/Only web images/);
    expect(validateSourceUrl(PNG_1x1, { allowDataImage: true })).toBeNull();
    expect(validateSourceUrl('data:text/html,<script>alert(1)</script>', { allowDataImage: true })).toMatch(/Only an image/);
    expect(validateSourceUrl('javascript:alert(1)', { allowDataImage: true })).not.toBeNull();
    expect(validateSourceUrl('https://x.test/a.jpg', { allowDataImage: true })).toBeNull();
  });

  it('the transfer reads a data: thumbnail when allowed, and refuses it without a request otherwise', async () => {
    const calls: string[] = [];
    const facts: TransferFact[] = [];
    const service = new TransferService({
      ...stoppedTimers(),
      fetch: (input, init) => {
        calls.push(String(input));
        return fetch(input, init);
      },
      emit: (fact) => void facts.push(fact),
      now: () => 0,
      partBytes: 4096,
      progressIntervalMs: 250,
      createObjectURL: () => 'blob:test',
      revokeObjectURL: () => undefined,
      converter: () => Promise.reject(new Error('no converter here')),
    });
    const request = { url: PNG_1x1, maxBytes: 1_000_000, headersTimeoutMs: 5000, stallTimeoutMs: 5000 };
    service.start({ ...request, transferId: 'refused', allowDataImage: false });
    await expect.poll(() => facts.find((fact) => fact.transferId === 'refused')).toMatchObject({ type: 'failed', failure: { code: 'invalid_url', retryable: false } });
    expect(calls).toEqual([]);
    service.start({ ...request, transferId: 'allowed', allowDataImage: true });
    await expect.poll(() => facts.find((fact) => fact.transferId === 'allowed' && fact.type === 'fetched')).toBeTruthy();
    expect(facts.find((fact) => fact.transferId === 'allowed' && fact.type === 'sniffed')).toMatchObject({ mimeType: 'image/png', extension: 'png', declaredMime: 'image/png' });
    expect(calls).toEqual([PNG_1x1]);
  });

  it('a data: thumbnail is named after its title, not its bytes', () => {
    expect(buildDownloadPath({ imageUrl: PNG_1x1, title: 'A hare in a field', folder: 'Semantest', extension: 'png' })).toBe('Semantest/A hare in a field.png');
    expect(buildDownloadPath({ imageUrl: PNG_1x1, folder: 'Semantest', extension: 'png' })).toBe('Semantest/image.png');
  });
});

describe("the content script's words", () => {
  it('come from public/_locales (every key it asks for is there, with its words)', () => {
    const messages = JSON.parse(readFileSync('public/_locales/en/messages.json', 'utf8')) as Record<string, { message: string }>;
    const files = ['control.ts', 'control-state.ts', 'click.ts', 'bulk.ts', 'index.ts', 'originals.ts', 'preview-control.ts', 'download-all.ts', 'result-menu.ts', ...['af-init-data', 'find', 'imgres-link', 'index', 'inline-match', 'preview-panel', 'rg-meta', 'udm2-inline', 'url'].map((name) => `strategies/${name}.ts`)];
    const keys = new Set<string>();
    for (const file of files) {
      const source = readFileSync(`src/content/${file}`, 'utf8');
      for (const [, key] of source.matchAll(/\bt\('(\w+)'/g)) keys.add(key as string);
      for (const [, key] of source.matchAll(/: '(c[A-Z]\w+)'/g)) keys.add(key as string);
    }
    expect(keys.size).toBeGreaterThan(30);
    for (const key of keys) expect(messages[key]?.message, key).toMatch(/\S/);
  });
});
