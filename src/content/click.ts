/**
 * The click path (loaded on demand: index.ts fetches it when the pointer or the keyboard focus first reaches a
 * result, so a click does not wait for it; a push from the worker or a restored state loads it too): what a click
 * on a control does (build the request, ask the worker, show what it answers), the worker's pushes, the keyboard
 * shortcut, and the way to bulk select. What must be there before any interaction (finding the results, placing
 * the controls, finding the originals near the viewport) stays in the page session (index.ts and what it starts).
 */
import { ExtensionGoneError, sendToWorker } from '../platform/messaging.ts';
import { t } from '../platform/content-i18n.ts';
import type { ControlUpdate, WorkerRequest, WorkerResponse } from '../shared/protocol.ts';
import type { Click, ClickEntry, ClickHost } from './click-contract.ts';
import type { Bulk } from './bulk.ts';
import BULK from './bulk.ts?script&module';
import type { ResultMenu } from './result-menu.ts';
import MENU from './result-menu.ts?script&module';
import type { DownloadControl } from './control.ts';
import { applyUpdate, offerThumbnail, setState } from './control-state.ts';
import type { FoundResult } from './strategies/find.ts';
import type { FoundCandidate } from './strategies/outcome.ts';
import { parseTabMessage } from './tab-message.ts';
import { sizeLabel } from '../domain/image-size.ts';

const DRAW_MS = 200;

export function createClick<E extends ClickEntry>(host: ClickHost<E>): Click<E> {
  const notFoundText = t('cNotFound');
  const waiting = new WeakSet<E>();
  /** Bulk select, loaded on the first Shift/Ctrl/Cmd-click (see bulk.ts). */
  let bulk: Promise<Bulk<E>> | undefined;
  /** A result's menu, loaded on the first right-click or menu key on a control (see result-menu.ts). */
  let menu: Promise<ResultMenu<E>> | undefined;

  function offer(entry: E, armed: boolean): boolean {
    const found = entry.found;
    const { control } = entry;
    // Google's page changed (no originals where there should be): said first, the result's own problem after it.
    const own = found?.problem ?? notFoundText;
    const problem = host.pageChanged() && !found?.searched ? `${t('cChanged')} ${own}` : own;
    const thumbnail = found?.thumbnailUrl;
    if (!armed && found?.sourcePageUrl && thumbnail && !found.searched) {
      setState(control, 'idle', t('cLookup', [problem, new URL(found.sourcePageUrl).host]));
      return true;
    }
    // ImageCandidate.imageUrl's limit (url.ts's MAX_URL_LENGTH: not imported, it would split url.ts into a chunk
    // of its own that every page loads).
    const sendable = !!thumbnail && thumbnail.length <= 8192;
    if (sendable) offerThumbnail(control, problem, armed);
    else setState(control, 'idle', thumbnail ? t('cThumbBig', problem) : problem);
    return sendable;
  }

  function notFound(entry: E): FoundResult {
    return { element: entry.element, candidate: null, problem: notFoundText };
  }

  function withMenu(work: (it: ResultMenu<E>) => void): void {
    menu ??= host.load<typeof import('./result-menu.ts')>(MENU).then(({ createResultMenu }) =>
      createResultMenu<E>({
        control: (entry) => entry.control,
        async original(entry) {
          await host.ready(entry);
          look(entry, false);
          const candidate = entry.found?.candidate ?? null;
          if (!candidate) offer(entry, false);
          return candidate;
        },
        async copy(imageUrl) {
          try {
            return await sendToWorker({ type: 'image.copy', imageUrl });
          } catch (error) {
            return { ok: false, error: error instanceof ExtensionGoneError ? error.message : t('cUnreachable') };
          }
        },
      }),
    );
    menu.then((it) => work(it)).catch(report);
  }

  function withBulk(work: (it: Bulk<E>) => void): void {
    bulk ??= host.load<typeof import('./bulk.ts')>(BULK).then(({ createBulk }) =>
      createBulk<E>(
        {
          control: (entry) => entry.control,
          live: host.live,
          async pick(entry, quiet) {
            if (busy(entry.control) && !quiet) return null;
            await host.ready(entry);
            look(entry, false);
            const candidate = entry.found?.candidate ?? null;
            if (!candidate && !quiet) offer(entry, false);
            return candidate;
          },
          async states(imageUrls) {
            try {
              const response = await sendToWorker({ type: 'download.states', imageUrls: [...imageUrls] });
              const updates = response.ok ? (response.updates ?? []) : [];
              apply(updates);
              return updates;
            } catch {
              return [];
            }
          },
          async folders() {
            try {
              const response = await sendToWorker({ type: 'folders.recent' });
              return response.ok ? (response.folders ?? []) : [];
            } catch {
              return [];
            }
          },
          async cancel(streamIds) {
            if (streamIds.length > 0) await sendToWorker({ type: 'download.cancelBatch', streamIds: [...streamIds] }).catch(report);
          },
          async skipSmallerThan() {
            try {
              const response = await sendToWorker({ type: 'bulk.settings' });
              return response.ok ? (response.skipSmallerThanPx ?? 0) : 0;
            } catch {
              // The batch's own request will say what is wrong.
              return 0;
            }
          },
          send,
          each: setAll,
          image: toImage,
        },
        // control.ts's BAR_CLASS (not imported, for the same reason as `load`).
        'semantest-bar',
      ),
    );
    bulk.then((it) => work(it)).catch(report);
  }

  /** Looks at the result now if idle time has not come to it yet, or again if its original was missing. */
  function look(entry: E, armedCounts: boolean): void {
    if (!entry.found) host.resolved(entry, host.find(entry) ?? notFound(entry));
    else if (!entry.found.candidate && !(armedCounts && entry.control.thumbnailArmed)) lookAgain(entry);
  }

  /**
   * The page may know more now than when the control was added (Google sets a result's `/imgres` link on hover,
   * the preview loads its original, page data arrives late): look again before giving up on the original.
   */
  function lookAgain(entry: E): void {
    const again = host.find(entry);
    if (!again || (entry.preview && again.element !== entry.element)) return;
    if (again.candidate) {
      const { control } = entry;
      host.resolved(entry, again);
      if (control.element.dataset.original) {
        delete control.element.dataset.original;
        control.thumbnailArmed = false;
        setState(control, 'idle');
      }
    } else if (again.thumbnailUrl || !entry.found?.thumbnailUrl) {
      // A source page found wanting stays so (its answer is kept).
      entry.found = entry.found?.searched ? { ...again, problem: entry.found.problem, searched: true } : again;
    }
  }

  /** What the worker is told about an image: the candidate, the search and the page. */
  function toImage(candidate: FoundCandidate): FoundCandidate & { query?: string; pageUrl: string } {
    const query = new URL(location.href).searchParams.get('q');
    return { ...candidate, ...(query ? { query } : {}), pageUrl: location.href };
  }

  async function activate(entry: E): Promise<void> {
    const { control } = entry;
    if (busy(control) || waiting.has(entry)) return;
    const loading = host.ready(entry);
    if (loading) {
      // A second click meanwhile starts nothing more.
      waiting.add(entry);
      await loading.finally(() => waiting.delete(entry));
    }
    if (control.state === 'completed') {
      const streamId = control.element.dataset.streamId;
      if (streamId) await send({ type: 'download.show', streamId }, control);
      return;
    }
    look(entry, true);
    // The preview shows an address that may be the original but has not loaded it yet: wait for it, look again.
    const large = entry.found?.loading;
    if (!entry.found?.candidate && large) {
      setState(control, 'queued', t('cPreviewWait'));
      await loaded(large);
      setState(control, 'idle');
      lookAgain(entry);
    }
    const found = entry.found;
    let candidate = found?.candidate ?? null;
    if (!candidate) {
      // No original in Google's page: its source page may have one (once asked, the thumbnail is what is left).
      if (found?.sourcePageUrl && found.thumbnailUrl && !found.searched && !control.thumbnailArmed) {
        candidate = await search(entry, found, found.sourcePageUrl, found.thumbnailUrl);
        if (!candidate) return;
      } else candidate = thumbnailChoice(entry);
    }
    if (!candidate) return;
    setAll(candidate.imageUrl, (each) => setState(each, 'queued'));
    const response = await send({ type: 'download.request', commandId: crypto.randomUUID(), image: toImage(candidate) }, control);
    if (response?.ok && response.streamId) {
      const streamId = response.streamId;
      setAll(candidate.imageUrl, (each) => (each.element.dataset.streamId = streamId));
    }
  }

  /**
   * Asks the worker to find the original on the result's source page (a page the worker reads, compares by
   * pixels: background/source-page-finder.ts). Found: the candidate, with `strategy: 'source_page'`. Not found:
   * the control says why and offers the thumbnail (the next click saves it), and null.
   */
  async function search(entry: E, found: FoundResult, sourcePageUrl: string, thumbnailUrl: string): Promise<FoundCandidate | null> {
    const { control } = entry;
    setState(control, 'queued', t('cSearching', new URL(sourcePageUrl).host));
    const response = await send({ type: 'source.resolve', sourcePageUrl, thumbnailUrl }, control);
    if (!response?.ok) return null;
    const original = response.original;
    if (original) {
      const candidate: FoundCandidate = {
        imageUrl: original.imageUrl,
        thumbnailUrl,
        sourcePageUrl,
        width: original.width,
        height: original.height,
        strategy: 'source_page',
        ...(found.title ? { title: found.title } : {}),
      };
      host.resolved(entry, { ...found, candidate });
      return candidate;
    }
    entry.found = { ...found, problem: response.reason ?? notFoundText, searched: true };
    setState(control, 'idle');
    offer(entry, true);
    return null;
  }

  /**
   * With the original missing, the first click only arms the offer (the control then says "Save thumbnail?"); the
   * second one returns the thumbnail as what to save, with `strategy: 'thumbnail'`.
   */
  function thumbnailChoice(entry: E): FoundCandidate | null {
    const { control } = entry;
    const found = entry.found ?? notFound(entry);
    const thumbnail = found.thumbnailUrl;
    // An armed offer had a thumbnail that can be sent (see `offer` in index.ts).
    if (!thumbnail || !control.thumbnailArmed) {
      if (!offer(entry, true)) setState(control, 'failed', found.problem ?? notFoundText);
      return null;
    }
    control.thumbnailArmed = false;
    host.remember(control, thumbnail);
    return {
      imageUrl: thumbnail,
      thumbnailUrl: thumbnail,
      strategy: 'thumbnail',
      ...(found.title ? { title: found.title } : {}),
      ...(found.sourcePageUrl ? { sourcePageUrl: found.sourcePageUrl } : {}),
    };
  }

  async function send(request: WorkerRequest, control: DownloadControl): Promise<WorkerResponse | null> {
    try {
      const response = await sendToWorker(request);
      if (!response.ok) setState(control, 'failed', response.error);
      return response;
    } catch (error) {
      setState(control, 'failed', error instanceof ExtensionGoneError ? error.message : t('cUnreachable'));
      return null;
    }
  }

  function setAll(imageUrl: string, change: (control: DownloadControl) => void): void {
    for (const control of host.controls(imageUrl) ?? []) change(control);
  }

  function apply(updates: readonly ControlUpdate[], restoring = false): void {
    for (const update of updates)
      setAll(update.imageUrl, (control) => {
        if (restoring && control.state !== 'idle') return;
        control.element.dataset.streamId = update.streamId;
        applyUpdate(control, update);
      });
  }

  /**
   * A batch's updates come by the hundred a second, and each one drawn is a frame of the page (layout, and Chrome's
   * hover hit test after it): the first is drawn at once, the next at most every DRAW_MS, the newest per image.
   */
  let held: Map<string, ControlUpdate> | null = null;
  function draw(update: ControlUpdate): void {
    if (held) return void held.set(update.imageUrl, update);
    apply([update]);
    held = new Map();
    setTimeout(drawHeld, DRAW_MS);
  }
  function drawHeld(): void {
    const list = [...(held as Map<string, ControlUpdate>).values()];
    held = null;
    if (list.length === 0) return;
    // The last through `draw`: it opens the next window, so a stream of updates stays at one drawing per DRAW_MS.
    draw(list.pop() as ControlUpdate);
    apply(list);
  }

  function shown(entry: E): void {
    const candidate = entry.found?.candidate;
    if (!candidate) {
      offer(entry, false);
      return;
    }
    const label = sizeLabel(candidate);
    if (!label || entry.preview) return;
    const { control } = entry;
    control.element.dataset.size = label;
    if (control.state !== 'downloading') control.say(label);
  }

  return {
    offer,
    shown,
    click(button, event) {
      const entry = host.entry(button);
      const menuItem = !!button.closest('.semantest-menu');
      if (menuItem || event.type !== 'click') {
        // Only what the menu handles loads it (every Tab press on a control comes here too).
        const key = event instanceof KeyboardEvent ? event.key : '';
        if (menuItem || (entry && !entry.preview && (event.type === 'contextmenu' || /^([ocaOCA]|ContextMenu|F10)$/.test(key)))) withMenu((it) => it.event(button, event, entry));
        return;
      }
      if (!(event instanceof MouseEvent)) return;
      // Shift/Ctrl/Cmd + click selects a result for a bulk download instead of saving it now.
      if (entry && !entry.preview && (event.shiftKey || event.ctrlKey || event.metaKey)) withBulk((it) => it.toggle(entry));
      else if (entry) activate(entry).catch(report);
      else withBulk((it) => it.act(button.dataset.act));
    },
    push(raw) {
      const message = parseTabMessage(raw);
      if (message?.type === 'control.update') draw(message.update);
      // The keyboard shortcut: the preview the user sees now, even if no DOM change told us about it yet.
      else if (message) host.preview().then((entry) => entry && activate(entry)).catch(report);
    },
    apply,
  };
}

/** Resolves once the image has loaded or failed, or after `ms`. */
function loaded(image: HTMLImageElement, ms = 5000): Promise<void> {
  return new Promise((done) => {
    if (image.complete) return done();
    const timer = setTimeout(done, ms);
    const end = (): void => {
      clearTimeout(timer);
      done();
    };
    image.addEventListener('load', end, { once: true });
    image.addEventListener('error', end, { once: true });
  });
}

/** True while a click must start nothing new (here, not on DownloadControl: bytes every page would load). */
function busy(control: DownloadControl): boolean {
  return control.state === 'queued' || control.state === 'downloading';
}

function report(error: unknown): void {
  // Never break Google's page: report and carry on.
  console.warn('Semantest:', error);
}
