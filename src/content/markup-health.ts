/**
 * The page's markup health (domain/page-health.ts): its first results and how many of them have an original,
 * told to the worker (the popup and the monitoring page show it). A page that should hold originals and holds
 * none has changed: the controls say so (click.ts's `offer`) instead of failing one by one.
 */
import { sendToWorker } from '../platform/messaging.ts';
import { findResultsWith, resultElements } from './strategies/find.ts';
import { flush, pageNow } from './result-scanner.ts';
import { loadOld, old } from './originals.ts';
import { guard, later, report } from './page-tasks.ts';

/** Whether Google's page changed (no originals where there should be), as last told. */
export let pageChanged = false;

export function checkHealth(): void {
  flush();
  const page = pageNow();
  // Results named by their docid in Google's data have their original (the 2024 page: all 100): only the others
  // are run through the strategies.
  const data = page.images();
  // The first 100 results tell the page's health (Google's data covers about the first 100).
  const results = resultElements(document).slice(0, 100);
  const rest = results.filter((result) => !data.byId.has(result.getAttribute('data-docid') ?? ''));
  const found = rest.length > 0 ? findResultsWith(old, document, rest, page) : [];
  if (!found) {
    void loadOld().then(() => later(() => guard(checkHealth)), report);
    return;
  }
  const counts = { results: results.length, originals: results.length - rest.length + found.filter((result) => result.candidate).length, basic: found.filter((result) => result.basic).length };
  // domain/page-health.ts's `page_changed` (not imported: its module would be a chunk of its own on every page).
  pageChanged = counts.results > counts.basic && counts.originals === 0;
  sendToWorker({ type: 'page.health', ...counts }).catch(() => undefined);
}
