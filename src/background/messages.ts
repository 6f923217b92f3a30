/**
 * The worker's side of the protocol: who may send what, parsed with zod, then dispatched to the saga.
 * Anything else gets a refusal in words and changes nothing.
 */
import { isGoogleImagesUrl } from '../shared/google-domains.ts';
import type { MessageSender } from '../platform/listeners.ts';
import { CONTENT_SCRIPT_REQUESTS, WorkerRequest, type WorkerResponse } from '../shared/protocol.ts';
import type { DownloadQueries } from '../store/download-queries.ts';
import { toControlUpdate, type DownloadSaga } from './saga/index.ts';
import type { SourcePageAnswer, SourcePageQuery } from './source-page-finder.ts';
import { pageHealthState, type PageHealthReport } from '../domain/page-health.ts';
import { visibleToGooglePages } from '../domain/download.ts';
import { withoutLargeInlineThumbnail } from '../domain/imported-events.ts';
import type { Settings } from '../shared/settings.ts';
import type { ImageCopyAnswer } from './image-copy.ts';
import type { BatchReport } from '../domain/batch-report.ts';
import { handleMaintenanceRequest, isMaintenanceRequest, type Maintenance } from './maintenance.ts';
import { requestBatch, type OpenBatches } from './batch-requests.ts';

export interface MessageContext {
  saga: DownloadSaga;
  queries: DownloadQueries;
  extensionId: string;
  extensionOrigin: string;
  newId: () => string;
  /** The source-page finder (source-page-finder.ts); without it `source.resolve` is refused. */
  sourcePages?: { resolve(query: SourcePageQuery): Promise<SourcePageAnswer> };
  /** Keeps a Google page's markup health for the popup and the monitoring page (not an event). */
  pageHealth?: { report(report: PageHealthReport): Promise<void>; now(): number };
  /** The bus's dead letters, retried or discarded from the options page; absent: refused. */
  busDeadLetters?: BusDeadLetters;
  /** The settings, of which a Google page may read only what its bulk actions honour (`bulk.settings`). */
  settings?: () => Pick<Settings, 'skipSmallerThanPx'>;
  /** "Copy image" (background/image-copy.ts); absent: refused. */
  copyImage?: (imageUrl: string) => Promise<ImageCopyAnswer>;
  /** Import, rebuild, compaction, forget and clear (extension pages only); absent: refused. */
  maintenance?: Maintenance;
  /** The user's folders: the one set now, the recent ones (newest first), and a hook that records one as used. */
  folders?: { current(): string; recent(): readonly string[]; used(folder: string): Promise<void> };
  /** Records a batch once its downloads are requested (DownloadBatchRequested, the batch report's source); reports the latest. */
  batches?: { requested(batch: BatchRequested): Promise<void>; latest?(): Promise<BatchReport | null> };
  /** Batches a page still adds to ("Download all" while it scrolls); absent: every batch is one message. */
  openBatches?: OpenBatches;
}

export interface BatchRequested {
  batchId: string;
  commandId: string;
  size: number;
  streamIds: string[];
  alreadySaved: string[];
  folder: string | null;
  skippedSmaller: number;
}

/**
 * The folder a batch names, if the worker takes it: only one the user set or used (the bar offers no other). A page
 * that names any other folder, even a valid template, is refused: it could otherwise save outside the user's folders
 * and plant that folder in the recent ones.
 */
export function acceptedFolder(folder: string, recent: readonly string[]): { folder: string } | { error: string } {
  if (recent.includes(folder)) return { folder };
  return { error: 'That folder cannot be used: only the folder set on the options page or one used before.' };
}

/** What the bus (src/bus/subscriptions.ts) offers for its dead letters. */
export interface BusDeadLetters {
  retryDeadLetters(subscriberId: string, streamId: string): Promise<number>;
  discardDeadLetters(subscriberId: string, streamId: string): Promise<number>;
  retryAllDeadLetters(): Promise<number>;
  discardAllDeadLetters(): Promise<number>;
}

export function senderRefusal(sender: MessageSender, ctx: Pick<MessageContext, 'extensionId' | 'extensionOrigin'>): string | null {
  if (sender.id !== ctx.extensionId) return 'Messages are only accepted from this extension.';
  if (sender.fromContentScript) {
    return sender.url && isGoogleImagesUrl(sender.url) ? null : 'Messages from content scripts are only accepted from Google Images pages.';
  }
  if (!sender.url) return 'The sender has no address.';
  try {
    return new URL(sender.url).origin === ctx.extensionOrigin ? null : 'Messages are only accepted from this extension’s pages.';
  } catch {
    return 'The sender’s address is not valid.';
  }
}

const done = (ok: boolean, what: string): WorkerResponse =>
  ok ? { ok: true } : { ok: false, error: `That download cannot ${what} in its current state.` };

export async function handleMessage(raw: unknown, sender: MessageSender, ctx: MessageContext): Promise<WorkerResponse> {
  const refusal = senderRefusal(sender, ctx);
  if (refusal) return { ok: false, error: refusal };
  const parsed = WorkerRequest.safeParse(raw);
  if (!parsed.success) return { ok: false, error: 'Unknown or malformed message.' };
  const request = parsed.data;
  if (sender.fromContentScript && !CONTENT_SCRIPT_REQUESTS.has(request.type)) {
    return { ok: false, error: `A Google page may not send ${request.type}.` };
  }
  const { saga, queries } = ctx;
  if (isMaintenanceRequest(request)) {
    return ctx.maintenance ? handleMaintenanceRequest(request, ctx.maintenance, ctx.newId()) : { ok: false, error: 'The history cannot be changed from here.' };
  }
  switch (request.type) {
    case 'ping':
      return { ok: true };
    case 'download.request': {
      // A control on a Google page shows `queued` as soon as it is clicked: the new download's first state is not
      // sent back to it (one message per click less; the answer carries the stream).
      // A large inline thumbnail is not kept in the log (README "Forget and clear"): dropped before anything is written.
      const result = await saga.request(withoutLargeInlineThumbnail(request.image), request.commandId, sender.tabId ?? null, {
        force: request.force === true,
        senderShowsQueued: sender.fromContentScript === true,
      });
      if (!result.joined) await ctx.folders?.used(ctx.folders.current());
      return { ok: true, streamId: result.streamId, joined: result.joined, ...(result.alreadySaved ? { alreadySaved: true } : {}) };
    }
    case 'download.batch': {
      // A folder the page names is checked before anything is written: a refusal leaves no download behind (a
      // continuation keeps its batch's folder: batch-requests.ts).
      let folder: string | undefined;
      if (request.folder !== undefined && request.batchId === undefined) {
        const accepted = acceptedFolder(request.folder, ctx.folders ? [ctx.folders.current(), ...ctx.folders.recent()] : []);
        if ('error' in accepted) return { ok: false, error: accepted.error };
        folder = accepted.folder;
      }
      return requestBatch(request, sender.tabId ?? null, ctx, folder);
    }
    case 'batch.report':
      return { ok: true, report: (await ctx.batches?.latest?.()) ?? null };
    case 'folders.recent': {
      if (!ctx.folders) return { ok: true, folders: [] };
      const recent = ctx.folders.recent();
      const current = ctx.folders.current();
      return { ok: true, folders: recent.includes(current) ? [...recent] : [current, ...recent].slice(0, 8) };
    }
    case 'download.states': {
      const urls = [...new Set(request.imageUrls)];
      // Only downloads asked for from a Google Images page: a page that plants an address learns nothing of others.
      const rows = (await Promise.all(urls.map((url) => queries.byImageUrl(url)))).flat().filter(visibleToGooglePages);
      // The newest download of each image decides what its control shows.
      const newest = new Map<string, (typeof rows)[number]>();
      for (const row of rows) {
        const seen = newest.get(row.request.imageUrl);
        if (!seen || seen.requestedAt < row.requestedAt) newest.set(row.request.imageUrl, row);
      }
      return { ok: true, updates: [...newest.values()].map((row) => toControlUpdate(row)) };
    }
    case 'download.retry': {
      let count = 0;
      for (const id of request.streamIds) if (await saga.retry(id, ctx.newId())) count += 1;
      return { ok: true, count };
    }
    case 'download.retryAllDeadLetters': {
      let count = 0;
      for (const row of await queries.deadLettered()) if (await saga.retry(row.streamId, ctx.newId())) count += 1;
      return { ok: true, count };
    }
    case 'download.discard': {
      let count = 0;
      for (const id of request.streamIds) if (await saga.discard(id, ctx.newId())) count += 1;
      return { ok: true, count };
    }
    case 'bus.retryDeadLetters':
    case 'bus.discardDeadLetters': {
      const bus = ctx.busDeadLetters;
      if (!bus) return { ok: false, error: 'The bus’s dead letters cannot be handled from here.' };
      const { which } = request;
      const retry = request.type === 'bus.retryDeadLetters';
      if (which === 'all') return { ok: true, count: await (retry ? bus.retryAllDeadLetters() : bus.discardAllDeadLetters()) };
      const count = await (retry ? bus.retryDeadLetters(which.subscriberId, which.streamId) : bus.discardDeadLetters(which.subscriberId, which.streamId));
      return { ok: true, count };
    }
    case 'download.pause':
      return done(await saga.pause(request.streamId), 'pause');
    case 'download.resume':
      return done(await saga.resume(request.streamId), 'resume');
    case 'download.cancel':
      return done(await saga.cancel(request.streamId), 'cancel');
    case 'download.show':
      return done(await saga.show(request.streamId), 'show');
    case 'source.resolve': {
      if (!ctx.sourcePages) return { ok: false, error: 'Looking on source pages is not available.' };
      const answer = await ctx.sourcePages.resolve({ sourcePageUrl: request.sourcePageUrl, thumbnailUrl: request.thumbnailUrl });
      return answer.found ? { ok: true, original: { imageUrl: answer.imageUrl, width: answer.width, height: answer.height } } : { ok: true, reason: answer.reason };
    }
    case 'page.health': {
      if (!ctx.pageHealth) return { ok: true };
      const counts = { results: request.results, originals: request.originals, basic: request.basic };
      // The state is decided here from the counts, never taken from the page; only the host is kept of its address.
      const host = sender.url ? new URL(sender.url).host : '';
      await ctx.pageHealth.report({ ...counts, state: pageHealthState(counts), host, at: ctx.pageHealth.now() });
      return { ok: true };
    }
    case 'download.cancelBatch': {
      // Only downloads a Google page asked for (never the history's others), and only those still running.
      let count = 0;
      for (const id of request.streamIds) {
        const row = await queries.get(id);
        // And only from the tab that asked for them: stream ids can be learned, tabs cannot be borrowed.
        if (row && visibleToGooglePages(row) && row.tabId !== null && row.tabId === sender.tabId && (await saga.cancel(id))) count += 1;
      }
      return { ok: true, count };
    }
    case 'image.copy': {
      if (!ctx.copyImage) return { ok: false, error: 'Copying images is not available.' };
      const answer = await ctx.copyImage(request.imageUrl);
      return answer.ok ? { ok: true, dataUrl: answer.dataUrl } : answer;
    }
    case 'bulk.settings':
      return { ok: true, skipSmallerThanPx: ctx.settings?.().skipSmallerThanPx ?? 0 };
    default: {
      const never: never = request;
      return { ok: false, error: `Unhandled message ${String(never)}` };
    }
  }
}
