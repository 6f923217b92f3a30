/// <reference types="@crxjs/vite-plugin/client" />
/**
 * Content script for Google Images: a download control on every image result (also those added by infinite
 * scroll or a new search without a page load) and on the open preview panel. A click asks the worker for the
 * original; the worker pushes the download's state back. Nothing here may throw into the page.
 *
 * The page session, one job a file: result-scanner.ts finds the results and places the controls, originals.ts
 * looks up a result's original when its control can be seen, preview-control.ts keeps the preview's control,
 * markup-health.ts tells the worker whether Google's page still holds originals, click-path.ts loads the click
 * path (click.ts: what runs only once the user acts) when the pointer or the keyboard focus first reaches a
 * result, so that a click does not wait for it. This file wires the page's events to them.
 *
 * Modules, not one closure with an object passed around: the bundler puts them in one chunk, where the minifier
 * shortens every name that is not a property (the bundle-size budget).
 */
import { CONTROL_CLASS, shieldControls } from './control.ts';
import { onWorkerMessage } from '../platform/messaging.ts';
import { startScanning } from './result-scanner.ts';
import { entryOf, look, lookNow, ready } from './originals.ts';
import { click } from './click-path.ts';
import { guard, later, report } from './page-tasks.ts';

/** These on a result show its control: its original is looked for then (and the click path fetched). */
const WARM = ['pointerover', 'focusin'] as const;

function startOnGoogleImages(): void {
  shieldControls(window, (button, event) => {
    // Looked at now, while the result is surely in the page (Google may re-render it right after the click).
    const entry = entryOf(button);
    if (entry && !ready(entry)) lookNow(entry);
    click().then((it) => it.click(button, event), report);
  });
  // When the pointer or the keyboard focus reaches a result, its control shows: its original is looked for now
  // (in a task of our own), and the click path is fetched before it is needed, not with the page. A result is
  // what has a control (it need not have a class).
  const warm = (event: Event): void =>
    guard(() => {
      const result = event.target instanceof Element && event.target.closest(`:has(>.${CONTROL_CLASS})`);
      const entry = result && entryOf(result.querySelector(`:scope>.${CONTROL_CLASS}`));
      if (!entry) return;
      void click().catch(report);
      if (!entry.found) later(() => void look(entry).catch(report));
    });
  for (const type of WARM) addEventListener(type, warm, true);
  // The worker's pushes (none come before a click, but for the keyboard shortcut) are handled in the order they came.
  onWorkerMessage((message) => {
    click().then((it) => it.push(message), report);
  });
  startScanning();
}

guard(startOnGoogleImages);
