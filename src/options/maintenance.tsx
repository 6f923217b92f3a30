/**
 * Export and import of the event log (NDJSON), rebuilding the history by replay, clearing it, and storage use.
 * The page reads the log itself (export, counts) but writes nothing: import, rebuild, compaction and clearing are
 * asked of the worker, which does every write (issue #20 "one writer"), and this page shows its progress and report.
 */
import { useEffect, useState } from 'preact/hooks';
import type { SemantestDb } from '../ui/read-api.ts';
import { exportNdjson } from '../ui/read-api.ts';
import { formatBytes } from '../ui/format.ts';
import { useLive } from '../ui/live.ts';
import { readCounts } from '../ui/read-api.ts';
import { t } from '../platform/i18n.ts';
import { onWorkerMessage, sendToWorker } from '../platform/messaging.ts';
import { MaintenanceProgress } from '../shared/protocol.ts';
import { importThroughWorker, type ImportOutcome } from './import-client.ts';
import { Retention } from './retention.tsx';
import { ClearHistory } from './clear-history.tsx';

type Job = 'export' | 'import' | 'rebuild' | 'compact' | 'forget';
type Busy = { what: Job; done: number; total: number } | null;

/** The worker's progress pushes for the job this page is running. */
export function useWorkerProgress(busy: Busy, setBusy: (busy: Busy) => void): void {
  useEffect(() => {
    if (!busy || busy.what === 'export' || busy.what === 'import') return undefined;
    const job = busy.what;
    return onWorkerMessage((raw) => {
      const message = MaintenanceProgress.safeParse(raw);
      if (message.success && message.data.job === job) setBusy({ what: job, done: message.data.done, total: message.data.total });
    });
  }, [busy?.what]);
}

export function Maintenance({ db }: { db: SemantestDb }) {
  const [busy, setBusy] = useState<Busy>(null);
  const [message, setMessage] = useState<{ kind: 'ok' | 'error'; text: string } | null>(null);
  const [report, setReport] = useState<ImportOutcome | null>(null);
  useWorkerProgress(busy, setBusy);

  const run = async (work: () => Promise<string>) => {
    setMessage(null);
    try {
      setMessage({ kind: 'ok', text: await work() });
    } catch (error) {
      setMessage({ kind: 'error', text: error instanceof Error ? error.message : String(error) });
    } finally {
      setBusy(null);
    }
  };

  const exportLog = () =>
    run(async () => {
      const total = (await readCounts(db)).events;
      setBusy({ what: 'export', done: 0, total });
      const chunks = await exportNdjson(db, (count) => setBusy({ what: 'export', done: count, total }));
      const url = URL.createObjectURL(new Blob(chunks, { type: 'application/x-ndjson' }));
      const link = document.createElement('a');
      link.href = url;
      link.download = `semantest-events-${new Date().toISOString().slice(0, 10)}.ndjson`;
      document.body.append(link);
      link.click();
      link.remove();
      setTimeout(() => URL.revokeObjectURL(url), 60_000);
      return t('exported', String(total));
    });

  const importLog = (file: File) =>
    run(async () => {
      setReport(null);
      setBusy({ what: 'import', done: 0, total: 2 * file.size });
      const result = await importThroughWorker(file, (done, total) => setBusy({ what: 'import', done, total }));
      setReport(result);
      if (result.refusedWhole) throw new Error(result.refusedWhole);
      return t('imported', [String(result.taken), String(result.alreadyThere), String(result.refused.length)]);
    });

  const rebuildNow = () =>
    run(async () => {
      setBusy({ what: 'rebuild', done: 0, total: 0 });
      const response = await sendToWorker({ type: 'history.rebuild' });
      if (!response.ok) throw new Error(response.error);
      return t('rebuilt', String(response.count ?? 0));
    });

  return (
    <section id="data" aria-labelledby="data-title">
      <h2 id="data-title">{t('dataTitle')}</h2>
      <p class="muted">{t('dataHelp')}</p>
      <div class="buttons">
        <button type="button" data-testid="export-button" disabled={busy !== null} onClick={() => void exportLog()}>
          {t('exportLog')}
        </button>
        <label class="button" aria-disabled={busy !== null}>
          {t('importLog')}
          <input
            type="file"
            class="sr-only"
            accept=".ndjson,.jsonl,application/x-ndjson,application/json,text/plain"
            data-testid="import-input"
            disabled={busy !== null}
            onChange={(event) => {
              const file = event.currentTarget.files?.[0];
              event.currentTarget.value = '';
              if (file) void importLog(file);
            }}
          />
        </label>
        <button type="button" data-testid="rebuild-button" disabled={busy !== null} onClick={() => void rebuildNow()}>
          {t('rebuild')}
        </button>
      </div>
      <p class="muted small">{t('importHelp')}</p>
      {busy && busy.what !== 'compact' && busy.what !== 'forget' && (
        <p class="busy" role="status">
          {t(`busy_${busy.what}`)}{' '}
          <progress data-testid="maintenance-progress" max={Math.max(1, busy.total)} value={busy.done} aria-label={t(`busy_${busy.what}`)} />
        </p>
      )}
      {message && (
        <p class={message.kind === 'error' ? 'error-text' : 'ok-text'} role={message.kind === 'error' ? 'alert' : 'status'} data-testid="maintenance-message">
          {message.text}
        </p>
      )}
      {report && report.refused.length > 0 && (
        <details data-testid="import-refused" open={report.refused.length <= 10}>
          <summary>{t('refusedLines', String(report.refused.length))}</summary>
          <ul>
            {report.refused.slice(0, 200).map((refusal) => (
              <li key={refusal.line}>
                {t('lineNumber', String(refusal.line))}: {refusal.reason}
              </li>
            ))}
          </ul>
        </details>
      )}
      <Storage db={db} />
      <Retention busy={busy !== null} onBusy={(on) => setBusy(on ? { what: 'compact', done: 0, total: 0 } : null)} progress={busy?.what === 'compact' ? busy : null} />
      <ClearHistory busy={busy !== null} onBusy={(on) => setBusy(on ? { what: 'forget', done: 0, total: 0 } : null)} progress={busy?.what === 'forget' ? busy : null} />
    </section>
  );
}

function Storage({ db }: { db: SemantestDb }) {
  const counts = useLive(() => readCounts(db), []);
  const [estimate, setEstimate] = useState<StorageEstimate | null>(null);
  useEffect(() => {
    navigator.storage?.estimate?.().then(setEstimate, () => setEstimate(null));
  }, [counts]);
  return (
    <p data-testid="storage" class="storage">
      {counts.status === 'ready' && t('storageCounts', [String(counts.value.events), String(counts.value.downloads)])}{' '}
      {estimate?.usage !== undefined && estimate.quota !== undefined && t('storageUse', [formatBytes(estimate.usage) || '0 B', formatBytes(estimate.quota)])}
    </p>
  );
}
