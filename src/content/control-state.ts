/**
 * A control's states after a click or a push (the click path, loaded on demand with click.ts): its `data-state`,
 * its words, and the look of each state (a style sheet added when the first control leaves `idle`).
 */
import type { ControlUpdate } from '../shared/protocol.ts';
import type { ControlState } from '../domain/download.ts';
import { t } from '../platform/content-i18n.ts';
import type { DownloadControl } from './control.ts';

let styled = false;

/**
 * Adds the states' look to the page the first time a control leaves `idle` or offers the thumbnail (not when this
 * module loads: it is prefetched on a hover, and a style sheet added makes the page recompute its styles).
 */
function style(): void {
  if (styled) return;
  styled = true;
  const sheet = document.createElement('style');
  sheet.textContent = STATE_CSS;
  (document.head ?? document.documentElement).append(sheet);
}

export function setState(control: DownloadControl, state: ControlState, message: string | null = null, progress: number | null = null): void {
  const { element, options } = control;
  if (state !== 'idle') style();
  control.state = state;
  delete element.dataset.offer;
  element.dataset.state = state;
  control.name(titleFor(state, message, options.label));
  // A result's control shows its original's size when it has nothing else to say (click.ts `shown`).
  control.say(state === 'downloading' && progress !== null ? `${Math.round(progress * 100)}%` : options.preview ? labelFor(state, options.label) : (element.dataset.size ?? ''));
}

/**
 * The original is missing: say so, and offer Google's thumbnail (`armed`: the next click saves it). Never a silent
 * thumbnail: the control is marked `data-original="missing"` and its title and text say what a click does.
 */
export function offerThumbnail(control: DownloadControl, problem: string, armed: boolean): void {
  const { element, options } = control;
  style();
  control.thumbnailArmed = armed;
  element.dataset.original = 'missing';
  element.dataset.offer = armed ? 'armed' : 'thumbnail';
  control.name(t(armed ? 'cArmed' : 'cOffer', problem));
  control.say(armed ? t('cSaveThumb') : options.preview ? t('cNoOriginal') : '');
}

export function applyUpdate(control: DownloadControl, update: ControlUpdate): void {
  setState(control, update.state, update.message, update.progress);
}

function titleFor(state: ControlState, message: string | null, label: string): string {
  switch (state) {
    case 'idle':
      return message ?? label;
    case 'queued':
      return message ?? t('cWait');
    case 'downloading':
      return t('cGoing');
    case 'completed':
      return message ? t('cSavedAs', message) : t('cSavedShow');
    case 'failed':
      return message ? t('cNotSavedAs', message) : t('cNotSavedDot');
  }
}

/** The preview control's visible text (a result's control shows only its icon). */
const LABELS: Partial<Record<ControlState, string>> = { queued: 'cQueued', downloading: 'cDownloading', completed: 'cSaved', failed: 'cNotSaved' };

function labelFor(state: ControlState, label: string): string {
  const key = LABELS[state];
  return key ? t(key) : label;
}

/** As styles.ts's (written again here: importing it would make styles.ts a chunk of its own, loaded up front). */
const icon = (path: string): string => `--i:url("data:image/svg+xml,<svg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 24 24'><path d='${path}'/></svg>")`;

/**
 * The states' look (after the style sheet of styles.ts, which it extends). The thumbnail offer's colour is repeated
 * last so that it still wins over a state's, as in one sheet.
 */
export const STATE_CSS =
  '.semantest-ctl{' +
  `&[data-state=queued],&[data-state=downloading]{background:#1a73e8eb;cursor:progress;${icon('M6 2v6l4 4-4 4v6h12v-6l-4-4 4-4V2H6zm10 14.5V20H8v-3.5l4-4 4 4z')}}` +
  `&[data-state=completed]{background:#188038eb;${icon('M9 16.2 4.8 12l-1.4 1.4L9 19 21 7l-1.4-1.4z')}}` +
  `&[data-state=failed]{background:#c5221feb;${icon('M11 15h2v2h-2zm0-8h2v6h-2zm1-5C6.5 2 2 6.5 2 12s4.5 10 10 10 10-4.5 10-10S17.5 2 12 2zm0 18c-4.4 0-8-3.6-8-8s3.6-8 8-8 8 3.6 8 8-3.6 8-8 8z')}}` +
  '&[data-offer]{background:#b06000f0}}';
