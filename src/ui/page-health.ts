/**
 * The last Google Images page's markup health (domain/page-health.ts) in words, for the popup (a line above the
 * history, only when something is not right) and the options page's monitoring section (always).
 */
import type { PageHealthReport } from '../domain/page-health.ts';
import { onPageHealthChanged, readPageHealth } from '../platform/page-health-store.ts';
import { t } from '../platform/i18n.ts';
import { formatWhen } from './format.ts';

export function pageHealthWords(report: PageHealthReport, now: number): string {
  const where = [report.host, formatWhen(report.at, now)];
  switch (report.state) {
    case 'page_changed':
      return t('healthChanged', [...where, String(report.results)]);
    case 'no_results':
      return t('healthNoResults', where);
    case 'source_pages':
      return t('healthSourcePages', [...where, String(report.results)]);
    case 'ok':
      return t('healthOk', [...where, String(report.results), String(report.originals)]);
  }
}

/**
 * Keeps `line` (a `<p>`) saying the last page's health, hidden when there is none or, with `onlyTrouble`, when
 * it is fine. Returns an unsubscribe.
 */
export function followPageHealth(line: HTMLElement, onlyTrouble: boolean): () => void {
  const show = (report: PageHealthReport | null): void => {
    const hidden = !report || (onlyTrouble && report.state === 'ok');
    line.hidden = hidden;
    line.textContent = report && !hidden ? pageHealthWords(report, Date.now()) : '';
    line.dataset.state = report?.state ?? 'none';
  };
  readPageHealth().then(show, () => show(null));
  return onPageHealthChanged(show);
}
