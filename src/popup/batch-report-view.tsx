/**
 * The latest batch's report in the popup (the worker's `batch.report` answer): saved, already saved, skipped as too
 * small, failed, with the reasons; its CSV and JSON exports are on the options page, which it links to (the popup's
 * bytes are counted: src/options/batch-report-section.tsx has the fuller view).
 */
import type { BatchReport } from '../domain/batch-report.ts';
import { t } from '../platform/i18n.ts';

export const BatchReportPanel = ({ report: { counts, reasons } }: { report: BatchReport }) => (
  <section data-testid="batch-report" data-saved={counts.saved} data-failed={counts.failed}>
    {t('batchReportCounts', [counts.saved, counts.duplicates, counts.skippedSmaller, counts.failed].map(String))}
    <ul>
      {reasons.map((line) => (
        <li>{`${line.count} × ${line.reason}`}</li>
      ))}
    </ul>
    <a href="../options/index.html#batch-report" target="_blank">
      {t('batchExport')}
    </a>
  </section>
);
