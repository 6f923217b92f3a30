/**
 * What the page session (index.ts and the modules it starts) and the click path (click.ts, loaded on demand) know
 * of each other: a result's entry, what the page lends the click path, and what the click path offers back.
 */
import type { ControlUpdate } from '../shared/protocol.ts';
import type { DownloadControl } from './control.ts';
import type { FoundResult } from './strategies/find.ts';

/** What the page session knows of a result's (or the preview's) control. */
export interface ClickEntry {
  control: DownloadControl;
  element: HTMLElement;
  /** Null until the strategies have run on the result. */
  found: FoundResult | null;
  preview: boolean;
}

/** What the content script lends the click path. */
export interface ClickHost<E extends ClickEntry> {
  /** The entry of a control's button (undefined: a button of the bulk bar). */
  entry(button: HTMLButtonElement): E | undefined;
  /** What must load before the result can be looked at now (an old layout's strategies), if anything. */
  ready(entry: E): Promise<void> | undefined;
  /** The strategies' answer for the result, or for the open preview, now. */
  find(entry: E): FoundResult | null | undefined;
  /** The result's original is known (or known to be missing): the page session records it and the control says so. */
  resolved(entry: E, found: FoundResult): void;
  /** Whether the page's markup health says Google's page changed (no originals where there should be). */
  pageChanged(): boolean;
  /** The control stands for this image from now on (pushes about it reach it). */
  remember(control: DownloadControl, imageUrl: string): void;
  /** Every control of an image (the same image may be on the page twice). */
  controls(imageUrl: string): Iterable<DownloadControl> | undefined;
  /** Every result's entry still on the page, in page order. */
  live(): E[];
  /** The open preview's entry, looked for now (the keyboard shortcut). */
  preview(): Promise<E | null>;
  /**
   * platform/extension-module.ts's loader (lent, not imported: an import from here would make that module a chunk
   * of its own, loaded up front).
   */
  load<T>(path: string): Promise<T>;
}

export interface Click<E extends ClickEntry = ClickEntry> {
  /**
   * No original: say so. A result with a source page not searched yet says a click looks there; otherwise the
   * thumbnail is offered (`armed`: the next click saves it). False when there is no thumbnail that can be sent
   * (then the control only says why).
   */
  offer(entry: E, armed: boolean): boolean;
  /**
   * The result's original was just looked for: its control shows the original's size (and type, when the address
   * names one) from Google's own data, or, with no original, says why (`offer`).
   */
  shown(entry: E): void;
  /**
   * A click on a control or on the bulk bar's button (the event only says which modifier keys were down), or a
   * right-click or key press on a control or the result menu's items (result-menu.ts).
   */
  click(button: HTMLButtonElement, event: Event): void;
  /** A message the worker pushed to the tab (checked here: it is untrusted input). */
  push(raw: unknown): void;
  /**
   * Download states the worker reported for images on the page (`restoring`: asked for, not pushed; then only
   * controls still idle take them: one that left idle here follows its download's pushes, which may be newer).
   */
  apply(updates: readonly ControlUpdate[], restoring?: boolean): void;
}
