/** Export and import of the event log (NDJSON), rebuilding the read models by replay, and storage use. */
import { useEffect, useState } from 'preact/hooks';
import type { SemantestDb } from '../store/database.ts';
import { exportNdjson, importNdjson, type ImportReport } from '../store/event-log-io.ts';
import { rebuildDownloads } from '../projections/downloads.ts';
import { formatBytes } from '../ui/format.ts';
import { useLive } from '../ui/live.ts';
import { t } from '../platform/i18n.ts';
import { Retention } from './retention.tsx';

type Busy = { what: 'export' | 'import' | 'rebuild' | 'compact'; done: number; total: number } | null;

async function lastPosition(db: SemantestDb): Promise<number> {
  return (await db.events.orderBy('position').last())?.position ?? 0;
}

export function Maintenance({ db }: { db: SemantestDb }) {
  const [busy, setBusy] = useState<Busy>(null);
  const [message, setMessage] = useState<{ kind: 'ok' | 'error'; text: string } | null>(null);
  const [report, setReport] = useState<ImportReport | null>(null);

  const rebuild = async (): Promise<number> => {
    const total = await lastPosition(db);
    setBusy({ what: 'rebuild', done: 0, total });
    const count = await rebuildDownloads(db, (position) => setBusy({ what: 'rebuild', done: position, total }));
    return count;
  };
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
      const total = await db.events.count();
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
      setBusy({ what: 'import', done: 0, total: file.size });
      const result = await importNdjson(db, file, { onProgress: (bytes) => setBusy({ what: 'import', done: bytes, total: file.size }) });
      setReport(result);
      if (result.taken > 0) await rebuild();
      return t('imported', [String(result.taken), String(result.alreadyThere), String(result.refused.length)]);
    });

  const rebuildNow = () => run(async () => t('rebuilt', String(await rebuild())));

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
      {busy && busy.what !== 'compact' && (
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
      <Retention db={db} busy={busy !== null} onBusy={(on) => setBusy(on ? { what: 'compact', done: 0, total: 0 } : null)} />
    </section>
  );
}

function Storage({ db }: { db: SemantestDb }) {
  const counts = useLive(async () => ({ events: await db.events.count(), downloads: await db.downloads.count() }), []);
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
