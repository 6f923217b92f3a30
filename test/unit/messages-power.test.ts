/**
 * The worker's side of issue 19's content-script requests: `bulk.settings` tells a Google page only the setting its
 * bulk actions honour; `download.cancelBatch` cancels only downloads a Google page asked for.
 */
import { describe, expect, it, vi } from 'vitest';
import { handleMessage, type MessageContext } from '../../src/background/messages.ts';
import type { DownloadSaga } from '../../src/background/saga/index.ts';
import type { DownloadQueries } from '../../src/store/download-queries.ts';
import type { MessageSender } from '../../src/platform/listeners.ts';
import type { DownloadState } from '../../src/domain/download.ts';

const ID = 'abcdefghijklmnopabcdefghijklmnop';
const page: MessageSender = { id: ID, url: 'https://www.google.com/search?q=cat&udm=2', tabId: 4, frameId: 0, fromContentScript: true };

function context(rows: Record<string, Pick<DownloadState, 'imported' | 'request' | 'tabId'>>): { ctx: MessageContext; cancel: ReturnType<typeof vi.fn> } {
  const cancel = vi.fn(async () => true);
  const ctx: MessageContext = {
    saga: { cancel } as unknown as DownloadSaga,
    queries: { get: async (id: string) => rows[id] } as unknown as DownloadQueries,
    extensionId: ID,
    extensionOrigin: `chrome-extension://${ID}`,
    newId: () => crypto.randomUUID(),
    settings: () => ({ skipSmallerThanPx: 640 }),
  };
  return { ctx, cancel };
}

describe('issue 19 requests from a Google page', () => {
  it('bulk.settings answers the skip-smaller-than setting and nothing else of the settings', async () => {
    const { ctx } = context({});
    expect(await handleMessage({ type: 'bulk.settings' }, page, ctx)).toEqual({ ok: true, skipSmallerThanPx: 640 });
  });

  it('download.cancelBatch cancels this tab’s Google downloads, never another tab’s, the context menu’s, imported or unknown ones', async () => {
    type Row = Pick<DownloadState, 'imported' | 'request' | 'tabId'>;
    const mine = { imported: false, tabId: 4, request: { imageUrl: 'https://e.org/a.jpg', strategy: 'udm2_inline' } } as Row;
    const otherTab = { imported: false, tabId: 9, request: { imageUrl: 'https://e.org/d.jpg', strategy: 'udm2_inline' } } as Row;
    const menu = { imported: false, tabId: 4, request: { imageUrl: 'https://e.org/b.jpg', strategy: 'context_menu' } } as Row;
    const imported = { imported: true, tabId: 4, request: { imageUrl: 'https://e.org/c.jpg', strategy: 'udm2_inline' } } as Row;
    const { ctx, cancel } = context({ mine, otherTab, menu, imported });
    expect(await handleMessage({ type: 'download.cancelBatch', streamIds: ['mine', 'otherTab', 'menu', 'imported', 'unknown'] }, page, ctx)).toEqual({ ok: true, count: 1 });
    expect(cancel.mock.calls).toEqual([['mine']]);
  });

  it('a page may not send what it was not given: download.cancel stays the extension pages’', async () => {
    const { ctx, cancel } = context({});
    expect(await handleMessage({ type: 'download.cancel', streamId: 'mine' }, page, ctx)).toEqual({ ok: false, error: 'A Google page may not send download.cancel.' });
    expect(cancel).not.toHaveBeenCalled();
  });
});
