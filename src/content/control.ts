/**
 * The download control: one `<button>` per result (and one on the preview panel), carrying the contract's
 * test hook `data-testid="semantest-download"` and `data-state`. It never lets an event reach Google's own
 * handlers (no preview opening, no navigation), and never builds HTML from page data.
 */
import type { ControlState } from '../domain/download.ts';
import { t } from '../platform/content-i18n.ts';

/** Events Google listens to on results; none may get past the control. */
const SWALLOWED = ['mousedown', 'mouseup', 'pointerdown', 'pointerup', 'touchstart', 'touchend', 'dblclick', 'contextmenu', 'auxclick', 'keydown', 'keyup', 'click'] as const;

export const CONTROL_CLASS = 'semantest-ctl';
/** The bulk-selection bar (made on the first selection only). */
export const BAR_CLASS = 'semantest-bar';
/** A result's control's label (the preview's says less: it sits on the large image). */
export const RESULT_LABEL = t('cLabel');

export interface ControlOptions {
  preview: boolean;
  label: string;
}

/**
 * One set of listeners for every control (not a dozen per control: a page has thousands), in the capture phase
 * on the window, the first place an event reaches: an event on a control stops there, so no handler of Google's
 * on the document or the result ever sees it. `activate` gets the clicks (also Enter/Space, which click) the user
 * made: a page script's `click()` or dispatched event is not the user's (issue 17) and starts nothing. `trusted`
 * tells them apart (`isTrusted`; a unit test, which cannot make a trusted event, says which it means).
 */
export function shieldControls(target: Window, activate: (button: HTMLButtonElement, event: Event) => void, trusted = (event: Event): boolean => event.isTrusted): void {
  const listener = (event: Event): void => {
    const button = event.target instanceof Element ? event.target.closest<HTMLButtonElement>(`button.${CONTROL_CLASS},.${BAR_CLASS} button,.semantest-menu button`) : null;
    if (!button) return;
    event.stopImmediatePropagation();
    // Keep the keyboard working: Enter and Space must still press the button.
    if (event.type !== 'keydown' && event.type !== 'keyup') event.preventDefault();
    // Clicks, and the right-click and keys of a result's menu (result-menu.ts).
    if (/^(click|contextmenu|keydown)$/.test(event.type) && trusted(event)) activate(button, event);
  };
  // For the page's life: nothing removes them (the content script has no end).
  for (const type of SWALLOWED) target.addEventListener(type, listener, { capture: true });
}

let template: HTMLButtonElement | undefined;

/** The control's accessible name and tooltip (always the same words). */
function name(button: HTMLButtonElement, text: string): void {
  button.title = text;
  button.setAttribute('aria-label', text);
}

/**
 * A new control's element, `<button class=semantest-ctl data-testid data-state=idle>`: ONE element (its icon is
 * drawn by the style sheet from `data-state`; the text's `<span>` comes when there is text), cloned from one
 * prepared button (several times cheaper than building each: a page has thousands).
 */
export function newButton(): HTMLButtonElement {
  if (!template) {
    template = document.createElement('button');
    template.type = 'button';
    template.className = CONTROL_CLASS;
    template.dataset.testid = 'semantest-download';
    template.dataset.state = 'idle';
    name(template, RESULT_LABEL);
  }
  return template.cloneNode(true) as HTMLButtonElement;
}

/**
 * What the content script knows about a control up front, made only once the control is needed (hovered, focused,
 * clicked: a result's control is a bare button until then). Changing its state and words (`setState`, `offer`) is
 * the click path's (control-state.ts, click.ts: loaded on demand, prefetched when the control can first be seen).
 */
export class DownloadControl {
  private text: HTMLSpanElement | null = null;
  state: ControlState = 'idle';
  /** The original the control stands for, once known. */
  imageUrl: string | null = null;
  /** Set once the user asked for Google's thumbnail because the original is missing (the second click saves it). */
  thumbnailArmed = false;

  constructor(
    readonly element: HTMLButtonElement,
    readonly options: ControlOptions,
  ) {}

  /** The control's visible text (most controls never have any: their `<span>` is only made when needed). */
  say(text: string): void {
    if (!this.text) {
      if (!text) return;
      this.text = document.createElement('span');
      this.text.className = 'semantest-progress';
      this.element.append(this.text);
    }
    this.text.textContent = text;
  }

  /** The control's accessible name and tooltip. */
  name(text: string): void {
    name(this.element, text);
  }
}
