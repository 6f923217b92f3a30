/**
 * Bulk select (loaded by the click path, click.ts, the first time the user Shift/Ctrl/Cmd-clicks a control, so pages where
 * nobody selects never pay for it): marks the selected results' controls and shows the selection bar, whose
 * "Download N selected" sends ONE `download.batch` message (one correlation id in the worker; the saga's queue
 * keeps its concurrency limit). Never a silent thumbnail: a result without its original is left out, and its
 * control says why. The bar also selects by size ("Select ≥ N px / MP", from Google's own data), and bulk actions
 * leave out what the "skip smaller than" setting says is too small, counted in the batch (`skipped.smaller`).
 */
import { t } from '../platform/content-i18n.ts';
import type { FoundCandidate } from './strategies/outcome.ts';
import type { ControlUpdate, WorkerRequest, WorkerResponse } from '../shared/protocol.ts';
import type { DownloadControl } from './control.ts';
import { setState } from './control-state.ts';
import { meetsSize, parseSizeFilter, skipSmaller } from '../domain/image-size.ts';
import { downloadAll } from './download-all.ts';

type BatchImage = Extract<WorkerRequest, { type: 'download.batch' }>['images'][number];

/** At most this many results in one bulk download (the worker's limit too). */
export const MAX_BATCH = 1000;

/** What the content script lends the selection: its results, and how one is looked up and sent. */
export interface BulkHost<E> {
  control(entry: E): DownloadControl;
  /** Every result's entry still on the page, in page order. */
  live(): E[];
  /**
   * The result's original now (null: none, or it is busy). `quiet`: only look (selecting by size), else a result
   * without its original has its control say why.
   */
  pick(entry: E, quiet?: boolean): Promise<FoundCandidate | null>;
  send(request: WorkerRequest, control: DownloadControl): Promise<WorkerResponse | null>;
  /** Every control of the image (the same image may be on the page twice). */
  each(imageUrl: string, change: (control: DownloadControl) => void): void;
  /** What the worker is told about an image (the candidate, the search, the page). */
  image(candidate: FoundCandidate): BatchImage;
  /** The "skip smaller than" setting (px; 0: off), asked of the worker (a page never reads the settings). */
  skipSmallerThan(): Promise<number>;
  /** The worker's states of these images' newest downloads, shown on their controls too. */
  states(imageUrls: readonly string[]): Promise<ControlUpdate[]>;
  /** The user's folders to choose among (the one set now first, then the recent ones), asked of the worker. */
  folders(): Promise<string[]>;
  /** Cancels the batch's downloads still running (what this page started). */
  cancel(streamIds: readonly string[]): Promise<void>;
}

export interface Bulk<E> {
  toggle(entry: E): void;
  act(act: string | undefined): void;
}

const CSS =
  '.semantest-ctl[data-selected]{opacity:1;box-shadow:0 0 0 3px #8ab4f8}' +
  '.semantest-bar{all:initial;position:fixed;left:50%;bottom:16px;transform:translateX(-50%);z-index:2147483001;display:flex;flex-wrap:wrap;gap:8px;align-items:center;padding:8px 12px;border-radius:20px;background:#202124;color:#fff;font:500 14px/1 system-ui,sans-serif;box-shadow:0 2px 8px #00000080;' +
  '&[hidden]{display:none}' +
  '& button,& input,& select{all:initial;cursor:pointer;padding:8px 12px;border-radius:14px;background:#3c4043;color:#fff;font:inherit;' +
  '&:focus-visible{outline:2px solid #8ab4f8}' +
  '&[data-act=dl]{background:#1a73e8}}' +
  '& input{cursor:text;width:5em;padding:8px}& select{padding:8px}' +
  '& label{display:flex;gap:4px;align-items:center}' +
  '& [hidden],& [data-testid=semantest-bulk-status]:empty{display:none}& button:disabled{opacity:.5;cursor:default}}';

/** Events on the bar's own fields that Google's page must not take for its own shortcuts or clicks. */
const KEPT_IN_BAR = ['keydown', 'keyup', 'keypress', 'input', 'mousedown', 'pointerdown', 'click', 'focusin'] as const;

export function createBulk<E>(host: BulkHost<E>, barClass: string): Bulk<E> {
  const selected = new Set<E>();
  let bar: HTMLElement | null = null;
  const parts: Record<string, HTMLElement> = {};

  function select(entry: E, on: boolean): void {
    const { dataset } = host.control(entry).element;
    if (on && selected.size < MAX_BATCH) {
      selected.add(entry);
      dataset.selected = '';
    } else {
      selected.delete(entry);
      delete dataset.selected;
    }
    showBar();
  }

  function make<K extends keyof HTMLElementTagNameMap>(tag: K, testid: string, text = '', act = ''): HTMLElementTagNameMap[K] {
    const part = document.createElement(tag);
    part.dataset.testid = testid;
    if (act) part.dataset.act = act;
    if (text) part.textContent = text;
    parts[testid] = part;
    return part;
  }

  /** The bar (and its style sheet) is built on the first selection. */
  function showBar(): void {
    if (!bar) {
      if (selected.size === 0) return;
      const style = document.createElement('style');
      style.textContent = CSS;
      bar = document.createElement('div');
      bar.className = barClass;
      bar.dataset.testid = 'semantest-bulk-bar';
      bar.setAttribute('role', 'region');
      bar.setAttribute('aria-label', t('cBar'));
      const size = document.createElement('label');
      const input = make('input', 'semantest-min-size');
      input.type = 'number';
      input.min = '0';
      input.step = 'any';
      input.placeholder = '1000';
      input.setAttribute('aria-label', t('cMinSize'));
      const unit = make('select', 'semantest-min-unit');
      unit.setAttribute('aria-label', t('cMinUnit'));
      for (const value of ['px', 'MP']) unit.append(new Option(value, value));
      size.append('≥', input, unit);
      const all = document.createElement('label');
      const limit = make('input', 'semantest-all-limit');
      limit.type = 'number';
      limit.min = '1';
      limit.max = String(MAX_BATCH);
      limit.value = '200';
      limit.setAttribute('aria-label', t('cAllLimit'));
      all.append(t('cAllUpTo'), limit);
      const stop = make('button', 'semantest-download-all-cancel', t('cAllCancel'), 'stop');
      stop.hidden = true;
      const folder = make('select', 'semantest-folder');
      folder.setAttribute('aria-label', t('cFolder'));
      folder.title = t('cFolder');
      folder.hidden = true;
      void host.folders().then((names) => {
        for (const name of names) folder.append(new Option(name, name));
        // A choice only when there is one to make.
        folder.hidden = names.length < 2;
      });
      const status = make('span', 'semantest-bulk-status');
      status.setAttribute('role', 'status');
      bar.append(
        make('span', 'semantest-bulk-count'),
        make('button', 'semantest-select-all', t('cSelectAll'), 'all'),
        size,
        make('button', 'semantest-select-min', t('cSelectMin'), 'min'),
        folder,
        make('button', 'semantest-bulk-download', '', 'dl'),
        make('button', 'semantest-bulk-clear', t('cClear'), 'clear'),
        make('button', 'semantest-download-all', t('cAll'), 'every'),
        all,
        stop,
        status,
      );
      // Typing a size must not reach Google's keyboard shortcuts, nor a click on a field its handlers (the
      // buttons are shielded by control.ts's capture listeners already).
      for (const type of KEPT_IN_BAR) bar.addEventListener(type, (event) => event.target instanceof HTMLButtonElement || event.stopPropagation());
      (document.head ?? document.documentElement).append(style);
      document.body.append(bar);
    }
    const count = String(selected.size);
    bar.hidden = selected.size === 0 && !parts['semantest-bulk-status']?.textContent;
    (parts['semantest-bulk-count'] as HTMLElement).textContent = t('cSelected', count);
    (parts['semantest-bulk-download'] as HTMLElement).textContent = t('cBulkDl', count);
  }

  /** The folder chosen in the bar, when the user has one to choose (else the worker's own setting applies). */
  function chosenFolder(): { folder?: string } {
    const field = parts['semantest-folder'] as HTMLSelectElement | undefined;
    return field && !field.hidden && field.value ? { folder: field.value } : {};
  }

  /** The bar's status line (the bar stays shown while it has something to say). */
  function say(text: string): void {
    (parts['semantest-bulk-status'] as HTMLElement).textContent = text;
    showBar();
  }

  /** "Select ≥ N": every result on the page whose original Google's data says is at least that size. */
  async function selectBySize(): Promise<void> {
    const filter = parseSizeFilter((parts['semantest-min-size'] as HTMLInputElement).value, (parts['semantest-min-unit'] as HTMLSelectElement).value);
    if (!filter) {
      say(t('cMinBad'));
      return;
    }
    let chosen = 0;
    let unknown = 0;
    for (const entry of host.live()) {
      const candidate = await host.pick(entry, true);
      const meets = candidate ? meetsSize(candidate, filter) : null;
      if (meets === null) unknown += 1;
      select(entry, meets === true);
      if (meets) chosen += 1;
    }
    say(unknown > 0 ? t('cMinUnknown', [String(chosen), String(unknown)]) : t('cMinDone', String(chosen)));
  }

  async function download(): Promise<void> {
    const chosen = new Map<FoundCandidate, E>();
    for (const entry of [...selected]) {
      select(entry, false);
      const candidate = await host.pick(entry);
      if (candidate) chosen.set(candidate, entry);
    }
    const minSide = await host.skipSmallerThan();
    const { kept, smaller } = skipSmaller([...chosen.keys()], minSide);
    for (const candidate of smaller) host.each(candidate.imageUrl, (control) => setState(control, 'idle', t('cSkipped', String(minSide))));
    say(smaller.length > 0 ? t('cSkippedAll', [String(smaller.length), String(minSide)]) : '');
    const first = kept[0] && chosen.get(kept[0]);
    if (!first) return showBar();
    for (const candidate of kept) host.each(candidate.imageUrl, (control) => setState(control, 'queued'));
    const request: WorkerRequest = {
      type: 'download.batch',
      commandId: crypto.randomUUID(),
      images: kept.map((candidate) => host.image(candidate)),
      ...(smaller.length > 0 ? { skipped: { smaller: smaller.length } } : {}),
      ...chosenFolder(),
    };
    const response = await host.send(request, host.control(first));
    if (response?.ok) {
      response.streamIds?.forEach((streamId, index) => {
        const candidate = kept[index];
        if (candidate) host.each(candidate.imageUrl, (control) => (control.element.dataset.streamId = streamId));
      });
    } else {
      // Nothing was started: no control may stay "queued".
      for (const candidate of kept) host.each(candidate.imageUrl, (control) => control.state === 'queued' && setState(control, 'failed', response?.error ?? null));
    }
  }

  /** "Download all results": one run at a time; its cancel is the bar's Cancel button. */
  let running: AbortController | null = null;

  async function everything(): Promise<void> {
    if (running) return;
    const limitField = parts['semantest-all-limit'] as HTMLInputElement;
    const limit = Number(limitField.value);
    const sizeField = parts['semantest-min-size'] as HTMLInputElement;
    const filter = sizeField.value.trim() ? parseSizeFilter(sizeField.value, (parts['semantest-min-unit'] as HTMLSelectElement).value) : null;
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_BATCH) return say(t('cAllBad', String(MAX_BATCH)));
    if (sizeField.value.trim() && !filter) return say(t('cMinBad'));
    const controller = (running = new AbortController());
    const stop = parts['semantest-download-all-cancel'] as HTMLElement;
    const start = parts['semantest-download-all'] as HTMLButtonElement;
    stop.hidden = false;
    start.disabled = true;
    say(t('cAllLoading', ['…', String(limit)]));
    for (const entry of [...selected]) select(entry, false);
    try {
      const summary = await downloadAll(host, { limit, filter, signal: controller.signal, say, ...chosenFolder() });
      say(t(summary.cancelled ? 'cAllCancelled' : 'cAllDone', [String(summary.saved), String(summary.failed), String(summary.smaller), String(summary.noOriginal), String(summary.results)]));
    } finally {
      running = null;
      stop.hidden = true;
      start.disabled = false;
      showBar();
    }
  }

  const report = (error: unknown): void => console.warn('Semantest:', error);
  return {
    toggle: (entry) => select(entry, !selected.has(entry)),
    act(act) {
      if (act === 'clear') {
        say('');
        for (const entry of [...selected]) select(entry, false);
      } else if (act === 'all') for (const entry of host.live()) select(entry, true);
      else if (act === 'min') void selectBySize().catch(report);
      else if (act === 'dl') void download().catch(report);
      else if (act === 'every') void everything().catch(report);
      else if (act === 'stop') running?.abort();
    },
  };
}
