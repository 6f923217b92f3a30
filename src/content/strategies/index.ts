/**
 * The strategies' entry for everything but the content script: `findResults` with every layout's strategies. The
 * content script uses find.ts directly and loads the old layouts' strategies on demand (old-layouts.ts), so that
 * they are not in the bytes every Google Images page loads.
 */
import { findResultsWith, type FoundResult } from './find.ts';
import { OLD_LAYOUT_STRATEGIES } from './old-layouts.ts';

export * from './find.ts';
export { findPreview } from './preview.ts';

/**
 * Every image result under `root` (default: the whole document; several roots: the subtrees a batch of DOM
 * changes added), in page order. The page's inline data is read once per call. Never throws.
 */
export function findResults(doc: Document, root: ParentNode | readonly ParentNode[] = doc): FoundResult[] {
  return findResultsWith(OLD_LAYOUT_STRATEGIES, doc, root) ?? [];
}
