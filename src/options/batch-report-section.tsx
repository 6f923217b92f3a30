/**
 * The options page's batch report: the latest batch's counts and reasons (as the popup shows them) and its export as
 * CSV or JSON, made here as Blobs (no data: URL).
 */
import { useEffect, useState } from 'preact/hooks';
import { batchCsv, batchJson, batchReport, type BatchReport } from '../domain/batch-report.ts';
import { readLatestBatch } from '../ui/downloads-reader.ts';
import { t } from '../platform/i18n.ts';

function save(text: string, type: string, name: string): void {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const link = document.createElement('a');
  link.href = url;
  link.download = name;
  link.click();
  // The download has read the Blob long before this.
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** The report's counts (with `data-*` for tests) and reasons; `children` go below. */
function BatchReportView({ report, children }: { report: BatchReport; children?: preact.ComponentChildren }) {
  const { counts } = report;
  return (
    <div data-testid="batch-report" data-saved={counts.saved} data-duplicates={counts.duplicates} data-skipped={counts.skippedSmaller} data-failed={counts.failed} data-running={counts.running}>
      <p>{t('batchReportCounts', [counts.saved, counts.duplicates, counts.skippedSmaller, counts.failed].map(String))}</p>
      <ul>
        {report.reasons.map((line) => (
          <li key={line.reason}>{`${line.count} × ${line.reason}`}</li>
        ))}
      </ul>
      {children}
    </div>
  );
}

export function BatchReportSection() {
  const [report, setReport] = useState<BatchReport | null>(null);
  useEffect(() => {
    readLatestBatch().then((found) => found && setReport(batchReport(found.batch, new Map(found.rows.map((row) => [row.streamId, row])))), () => undefined);
  }, []);
  const name = report ? `semantest-batch-${new Date(report.requestedAt).toISOString().slice(0, 19).replace(/[T:]/g, '-')}` : '';
  return (
    <section id="batch-report" aria-labelledby="batch-report-title">
      <h2 id="batch-report-title">{t('batchReportTitle')}</h2>
      {report ? (
        <BatchReportView report={report}>
          <button type="button" data-testid="batch-export-csv" onClick={() => save(batchCsv(report), 'text/csv', `${name}.csv`)}>
            {t('batchExportCsv')}
          </button>{' '}
          <button type="button" data-testid="batch-export-json" onClick={() => save(batchJson(report), 'application/json', `${name}.json`)}>
            {t('batchExportJson')}
          </button>
        </BatchReportView>
      ) : (
        <p class="muted">{t('batchReportNone')}</p>
      )}
    </section>
  );
}
