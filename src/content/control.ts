/**
 * The download control: one `<button>` per result (and one on the preview panel), carrying the contract's
 * test hook `data-testid="semantest-download"` and `data-state`. It never lets an event reach Google's own
 * handlers (no preview opening, no navigation), and never builds HTML from page data.
 */
import type { ControlUpdate } from '../shared/protocol.ts';
import type { ControlState } from '../domain/download.ts';

const ICONS: Record<ControlState, string> = {
  idle: 'M5 20h14v-2H5v2zm7-18-1.4 1.4L11 4v9.2l-3.6-3.6L6 11l6 6 6-6-1.4-1.4-3.6 3.6V4l.4-.6z',
  queued: 'M6 2v6l4 4-4 4v6h12v-6l-4-4 4-4V2H6zm10 14.5V20H8v-3.5l4-4 4 4z',
  downloading: 'M6 2v6l4 4-4 4v6h12v-6l-4-4 4-4V2H6zm10 14.5V20H8v-3.5l4-4 4 4z',
  completed: 'M9 16.2 4.8 12l-1.4 1.4L9 19 21 7l-1.4-1.4z',
  failed: 'M11 15h2v2h-2zm0-8h2v6h-2zm1-5C6.5 2 2 6.5 2 12s4.5 10 10 10 10-4.5 10-10S17.5 2 12 2zm0 18c-4.4 0-8-3.6-8-8s3.6-8 8-8 8 3.6 8 8-3.6 8-8 8z',
};

/** Events Google listens to on results; none may get past the control. */
const SWALLOWED = ['mousedown', 'mouseup', 'pointerdown', 'pointerup', 'touchstart', 'touchend', 'dblclick', 'contextmenu', 'auxclick', 'keydown', 'keyup'] as const;

export interface ControlOptions {
  preview: boolean;
  label: string;
  onActivate: (control: DownloadControl) => void;
}

export class DownloadControl {
  readonly element: HTMLButtonElement;
  private readonly icon: SVGPathElement;
  private readonly text: HTMLSpanElement;
  state: ControlState = 'idle';

  constructor(
    readonly imageUrl: string | null,
    private readonly options: ControlOptions,
  ) {
    const button = document.createElement('button');
    button.type = 'button';
    button.className = options.preview ? 'semantest-ctl semantest-preview' : 'semantest-ctl';
    button.dataset.testid = 'semantest-download';
    button.dataset.state = 'idle';
    button.setAttribute('aria-label', options.label);
    button.title = options.label;
    const svg = document.createElementNS('http://www.w3.org/2000/svg', 'svg');
    svg.setAttribute('viewBox', '0 0 24 24');
    svg.setAttribute('aria-hidden', 'true');
    this.icon = document.createElementNS('http://www.w3.org/2000/svg', 'path');
    this.icon.setAttribute('d', ICONS.idle);
    svg.append(this.icon);
    this.text = document.createElement('span');
    this.text.className = 'semantest-progress';
    if (options.preview) this.text.textContent = options.label;
    button.append(svg, this.text);
    for (const type of SWALLOWED) {
      button.addEventListener(type, (event) => {
        event.stopPropagation();
        // Keep the keyboard working: Enter and Space must still press the button.
        if (type !== 'keydown' && type !== 'keyup') event.preventDefault();
      });
    }
    button.addEventListener('click', (event) => {
      event.preventDefault();
      event.stopPropagation();
      options.onActivate(this);
    });
    this.element = button;
  }

  /** True while a click must start nothing new. */
  get busy(): boolean {
    return this.state === 'queued' || this.state === 'downloading';
  }

  set(state: ControlState, message: string | null = null, progress: number | null = null): void {
    this.state = state;
    this.element.dataset.state = state;
    this.icon.setAttribute('d', ICONS[state]);
    const title = titleFor(state, message, this.options.label);
    this.element.title = title;
    this.element.setAttribute('aria-label', title);
    if (state === 'downloading' && progress !== null) this.text.textContent = `${Math.round(progress * 100)}%`;
    else this.text.textContent = this.options.preview ? labelFor(state, this.options.label) : '';
  }

  apply(update: ControlUpdate): void {
    this.set(update.state, update.message, update.progress);
  }
}

function titleFor(state: ControlState, message: string | null, label: string): string {
  switch (state) {
    case 'idle':
      return message ?? label;
    case 'queued':
      return message ?? 'Waiting to download…';
    case 'downloading':
      return 'Downloading the original…';
    case 'completed':
      return message ? `Saved as ${message}. Click to show it in its folder.` : 'Saved. Click to show it in its folder.';
    case 'failed':
      return message ? `Not saved: ${message}` : 'Not saved.';
  }
}

function labelFor(state: ControlState, label: string): string {
  switch (state) {
    case 'idle':
      return label;
    case 'queued':
      return 'Queued…';
    case 'downloading':
      return 'Downloading…';
    case 'completed':
      return 'Saved';
    case 'failed':
      return 'Not saved';
  }
}
