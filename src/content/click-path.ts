/**
 * The click path (click.ts), loaded on demand, and what the page session lends it: the entries, the lookups, the
 * controls of each image, the preview.
 */
import { importExtensionModule } from '../platform/extension-module.ts';
import type { Click, ClickHost } from './click-contract.ts';
import CLICK from './click.ts?script&module';
import { CONTROL_CLASS } from './control.ts';
import { byImageUrl, entryOf, find, ready, remember, resolved, type Entry } from './originals.ts';
import { pageChanged } from './markup-health.ts';
import { openPreview } from './preview-control.ts';

let clicking: Promise<Click<Entry>> | undefined;

const host: ClickHost<Entry> = {
  entry: entryOf,
  ready,
  find,
  resolved,
  pageChanged: () => pageChanged,
  remember,
  controls: (imageUrl) => byImageUrl.get(imageUrl),
  live: () => [...document.querySelectorAll(`.${CONTROL_CLASS}`)].flatMap((button) => {
    const entry = entryOf(button);
    return entry && !entry.preview ? [entry] : [];
  }),
  preview: openPreview,
  load: importExtensionModule,
};

export function click(): Promise<Click<Entry>> {
  return (clicking ??= importExtensionModule<typeof import('./click.ts')>(CLICK).then(
    ({ createClick }) => createClick(host),
    (error: unknown) => {
      // Fetched again next time (a click after a failed prefetch).
      clicking = undefined;
      throw error;
    },
  ));
}
