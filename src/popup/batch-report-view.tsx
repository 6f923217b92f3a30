/**
 * The latest batch's report in the popup: saved, already saved, skipped as too small, failed (with the reasons),
 * and its export as CSV or JSON (a Blob the popup saves; no data: URL).
 */
import { batchCsv, batchJson, type BatchReport } from '../domain/batch-report.ts';
import { t } from '../platform/i18n.ts';

function save(text: string, type: string, name: string): void {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const link = document.createElement('a');
  link.href = url;
  link.download = name;
  link.click();
  // The download has read the Blob by the time the next task runs.
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

export function BatchReportView({ report }: { report: BatchReport }) {
  const { counts } = report;
  const stamp = new Date(report.requestedAt).toISOString().slice(0, 19).replace(/[T:]/g, '-');
  const name = `semantest-batch-${stamp}`;
  return (
    <section
      class="batch-report"
      data-testid="batch-report"
      data-saved={counts.saved}
      data-duplicates={counts.duplicates}
      data-skipped={counts.skippedSmaller}
      data-failed={counts.failed}
      data-running={counts.running}
    >
      <p>{t('batchReportCounts', [String(counts.saved), String(counts.duplicates), String(counts.skippedSmaller), String(counts.failed)])}</p>
      {report.reasons.length > 0 && (
        <ul class="reasons" data-testid="batch-reasons">
          {report.reasons.slice(0, 3).map((line) => (
            <li key={line.reason}>{`${line.count} × ${line.reason}`}</li>
          ))}
        </ul>
      )}
      <button type="button" data-testid="batch-export-csv" onClick={() => save(batchCsv(report), 'text/csv', `${name}.csv`)}>
        {t('batchExportCsv')}
      </button>{' '}
      <button type="button" data-testid="batch-export-json" onClick={() => save(batchJson(report), 'application/json', `${name}.json`)}>
        {t('batchExportJson')}
      </button>
    </section>
  );
}
