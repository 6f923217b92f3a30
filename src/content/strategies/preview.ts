/**
 * The open preview panel as a result. The content script loads this module once the page has a preview (its image
 * or panel): most pages' users never open one before they leave, and the bytes every page loads are the content
 * script's budget (issue 4).
 */
import { lazy, toFoundResult, type FoundResult } from './find.ts';
import { readInlineImages, type InlineImages } from './inline-data.ts';
import { fromPreviewPanel } from './preview-panel.ts';

/** The open preview panel's large image as a result (element = the panel container), or null. Never throws. */
export function findPreview(doc: Document): FoundResult | null {
  try {
    const images = lazy((): InlineImages => readInlineImages(doc));
    const preview = fromPreviewPanel(doc, images);
    if (!preview) return null;
    const found = toFoundResult(preview.base, preview.outcome);
    if (preview.loading) found.loading = preview.loading;
    return found;
  } catch {
    return null;
  }
}
