/**
 * The control on the open preview (the large image or the side panel): placed, moved or removed as the preview
 * changes; its strategy (strategies/preview.ts) is loaded once the page has had a preview.
 */
import { t } from '../platform/content-i18n.ts';
import { importExtensionModule } from '../platform/extension-module.ts';
import type { FoundResult } from './strategies/find.ts';
import { DownloadControl, newButton } from './control.ts';
import PREVIEW from './strategies/preview.ts?script&module';
import { previewSeen, RESULT_CLASS, sawPreview } from './result-scanner.ts';
import { ask, forget, resolved, type Entry } from './originals.ts';
import { guard, report } from './page-tasks.ts';

export let previewEntry: Entry | null = null;
/** The preview's strategy (null until loaded). */
export let previewFinder: ((doc: Document) => FoundResult | null) | null = null;
let previewLoading: Promise<typeof import('./strategies/preview.ts')> | undefined;

function loadPreview(): Promise<typeof import('./strategies/preview.ts')> {
  return (previewLoading ??= importExtensionModule(PREVIEW));
}

/** Puts the control on the preview the page shows now (or takes it away), unless it is there already. */
export function scanPreview(): void {
  if (!previewFinder) {
    if (previewSeen) loadPreview().then((module) => {
      previewFinder = module.findPreview;
      guard(scanPreview);
    }, report);
    return;
  }
  const preview = previewFinder(document);
  const current = previewEntry;
  if (current && preview && current.element === preview.element && current.control.element.isConnected) {
    if (current.control.imageUrl === (preview.candidate?.imageUrl ?? null) && current.found?.problem === preview.problem) return;
  }
  if (current) {
    current.control.element.remove();
    forget(current.control);
    previewEntry = null;
  }
  if (!preview) return;
  const label = t('cPreview');
  const button = newButton();
  button.classList.add('semantest-preview');
  const control = new DownloadControl(button, { preview: true, label });
  control.name(label);
  control.say(label);
  previewEntry = { control, element: preview.element, found: null, preview: true };
  ask(resolved(previewEntry, preview));
  preview.element.classList.add(RESULT_CLASS);
  preview.element.append(button);
}

/** The preview the user sees now, even if no DOM change told us about it yet (the keyboard shortcut). */
export async function openPreview(): Promise<Entry | null> {
  if (!previewSeen) sawPreview();
  previewFinder = (await loadPreview()).findPreview;
  scanPreview();
  return previewEntry;
}
