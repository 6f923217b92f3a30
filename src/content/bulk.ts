/**
 * Bulk select (loaded by the click path, click.ts, the first time the user Shift/Ctrl/Cmd-clicks a control, so pages where
 * nobody selects never pay for it): marks the selected results' controls and shows the selection bar, whose
 * "Download N selected" sends ONE `download.batch` message (one correlation id in the worker; the saga's queue
 * keeps its concurrency limit). Never a silent thumbnail: a result without its original is left out, and its
 * control says why.
 */
import { t } from '../platform/content-i18n.ts';
import type { FoundCandidate } from './strategies/outcome.ts';
import type { WorkerRequest, WorkerResponse } from '../shared/protocol.ts';
import type { DownloadControl } from './control.ts';
import { setState } from './control-state.ts';

type BatchImage = Extract<WorkerRequest, { type: 'download.batch' }>['images'][number];

/** At most this many results in one bulk download (the worker's limit too). */
const MAX_BATCH = 1000;

/** What the content script lends the selection: its results, and how one is looked up and sent. */
export interface BulkHost<E> {
  control(entry: E): DownloadControl;
  /** Every result's entry still on the page, in page order. */
  live(): E[];
  /** The result's original now (null: its control was told why, or it is busy). */
  pick(entry: E): Promise<FoundCandidate | null>;
  send(request: WorkerRequest, control: DownloadControl): Promise<WorkerResponse | null>;
  /** Every control of the image (the same image may be on the page twice). */
  each(imageUrl: string, change: (control: DownloadControl) => void): void;
  /** What the worker is told about an image (the candidate, the search, the page). */
  image(candidate: FoundCandidate): BatchImage;
}

export interface Bulk<E> {
  toggle(entry: E): void;
  act(act: string | undefined): void;
}

const CSS =
  '.semantest-ctl[data-selected]{opacity:1;box-shadow:0 0 0 3px #8ab4f8}' +
  '.semantest-bar{all:initial;position:fixed;left:50%;bottom:16px;transform:translateX(-50%);z-index:2147483001;display:flex;gap:8px;align-items:center;padding:8px 12px;border-radius:20px;background:#202124;color:#fff;font:500 14px/1 system-ui,sans-serif;box-shadow:0 2px 8px #00000080;' +
  '&[hidden]{display:none}' +
  '& button{all:initial;cursor:pointer;padding:8px 12px;border-radius:14px;background:#3c4043;color:#fff;font:inherit;' +
  '&:focus-visible{outline:2px solid #8ab4f8}' +
  '&[data-act=dl]{background:#1a73e8}}}';

export function createBulk<E>(host: BulkHost<E>, barClass: string): Bulk<E> {
  const selected = new Set<E>();
  let bar: HTMLElement | null = null;

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
      for (const [act, testid] of [['', 'semantest-bulk-count'], ['all', 'semantest-select-all'], ['dl', 'semantest-bulk-download'], ['clear', 'semantest-bulk-clear']] as const) {
        const part = document.createElement(act ? 'button' : 'span');
        if (act) part.dataset.act = act;
        part.dataset.testid = testid;
        part.textContent = act === 'all' ? t('cSelectAll') : act === 'clear' ? t('cClear') : '';
        bar.append(part);
      }
      (document.head ?? document.documentElement).append(style);
      document.body.append(bar);
    }
    const count = String(selected.size);
    bar.hidden = selected.size === 0;
    (bar.firstChild as HTMLElement).textContent = t('cSelected', count);
    (bar.children[2] as HTMLElement).textContent = t('cBulkDl', count);
  }

  async function download(): Promise<void> {
    const chosen: Array<[E, FoundCandidate]> = [];
    for (const entry of [...selected]) {
      select(entry, false);
      const candidate = await host.pick(entry);
      if (candidate) chosen.push([entry, candidate]);
    }
    const [first] = chosen;
    if (!first) return;
    for (const [, candidate] of chosen) host.each(candidate.imageUrl, (control) => setState(control, 'queued'));
    const response = await host.send({ type: 'download.batch', commandId: crypto.randomUUID(), images: chosen.map(([, candidate]) => host.image(candidate)) }, host.control(first[0]));
    if (response?.ok) {
      response.streamIds?.forEach((streamId, index) => {
        const candidate = chosen[index]?.[1];
        if (candidate) host.each(candidate.imageUrl, (control) => (control.element.dataset.streamId = streamId));
      });
    } else {
      // Nothing was started: no control may stay "queued".
      for (const [, candidate] of chosen) host.each(candidate.imageUrl, (control) => control.state === 'queued' && setState(control, 'failed', response?.error ?? null));
    }
  }

  return {
    toggle: (entry) => select(entry, !selected.has(entry)),
    act(act) {
      if (act === 'clear') for (const entry of [...selected]) select(entry, false);
      else if (act === 'all') for (const entry of host.live()) select(entry, true);
      else if (act === 'dl') void download().catch((error: unknown) => console.warn('Semantest:', error));
    },
  };
}
