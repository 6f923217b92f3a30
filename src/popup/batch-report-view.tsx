/**
 * The latest batch's report in the popup: saved, already saved, skipped as too small, failed (with the reasons). Its
 * CSV and JSON exports are on the options page (src/options/batch-report-section.tsx): the popup stays small.
 */
import { batchReport, type BatchRecord, type BatchReport } from '../domain/batch-report.ts';
import type { DownloadState } from '../domain/download.ts';
import { t } from '../platform/i18n.ts';

/** The report's counts (with `data-*` for tests) and reasons; `children` go below (a link, or the exports). */
export function BatchReportView({ report, children }: { report: BatchReport; children?: preact.ComponentChildren }) {
  const { counts } = report;
  return (
    <section data-testid="batch-report" data-saved={counts.saved} data-duplicates={counts.duplicates} data-skipped={counts.skippedSmaller} data-failed={counts.failed}>
      {t('batchReportCounts', [counts.saved, counts.duplicates, counts.skippedSmaller, counts.failed].map(String))}
      <ul>
        {report.reasons.map((line) => (
          <li>{`${line.count} × ${line.reason}`}</li>
        ))}
      </ul>
      {children}
    </section>
  );
}

/** The newest batch's record joined with its downloads' rows (downloads-reader.ts readLatestBatch). */
export const BatchReportPanel = ({ batch, rows }: { batch: BatchRecord; rows: readonly DownloadState[] }) => (
  <BatchReportView report={batchReport(batch, new Map(rows.map((row) => [row.streamId, row])))}>
    <a href="../options/index.html#batch-report" target="_blank" data-testid="batch-export-link">
      {t('batchExport')}
    </a>
  </BatchReportView>
);
