/**
 * "Clear history" (Storage section): forget every download, or those asked for before a day, and, if the user
 * ticks it, delete their files too. The worker does it (src/background/maintenance.ts); this page asks, after a
 * confirmation, and shows what was done.
 */
import { useState } from 'preact/hooks';
import { sendToWorker } from '../platform/messaging.ts';
import { t } from '../platform/i18n.ts';
import type { ForgetReport } from '../shared/protocol.ts';

export function describeForget(report: ForgetReport): string {
  return [
    t('forgotten', [String(report.downloads), String(report.events)]),
    report.filesDeleted > 0 ? t('filesDeleted', String(report.filesDeleted)) : '',
    report.running > 0 ? t('runningKept', String(report.running)) : '',
  ]
    .filter(Boolean)
    .join(' ');
}

/** The start of the local day `value` (YYYY-MM-DD) names, or null. */
const dayStart = (value: string): number | null => {
  const time = new Date(`${value}T00:00:00`).getTime();
  return Number.isFinite(time) ? time : null;
};

export function ClearHistory({ busy, onBusy, progress }: { busy: boolean; onBusy: (busy: boolean) => void; progress: { done: number; total: number } | null }) {
  const [scope, setScope] = useState<'all' | 'before'>('all');
  const [day, setDay] = useState('');
  const [deleteFiles, setDeleteFiles] = useState(false);
  const [confirming, setConfirming] = useState(false);
  const [message, setMessage] = useState<{ kind: 'ok' | 'error'; text: string } | null>(null);
  const before = scope === 'before' ? dayStart(day) : null;
  const ready = scope === 'all' || before !== null;

  const clear = async () => {
    setConfirming(false);
    setMessage(null);
    onBusy(true);
    try {
      const response = await sendToWorker({ type: 'history.clear', before, deleteFiles });
      if (!response.ok) throw new Error(response.error);
      if (response.forgotten) setMessage({ kind: 'ok', text: describeForget(response.forgotten) });
    } catch (error) {
      setMessage({ kind: 'error', text: error instanceof Error ? error.message : String(error) });
    } finally {
      onBusy(false);
    }
  };

  return (
    <div class="clear-history" data-testid="clear-history">
      <h3>{t('clearTitle')}</h3>
      <p class="muted small">{t('clearHelp')}</p>
      <div class="buttons">
        <label for="clear-scope">{t('clearWhat')}</label>
        <select id="clear-scope" data-testid="clear-scope" value={scope} onChange={(event) => setScope(event.currentTarget.value === 'before' ? 'before' : 'all')}>
          <option value="all">{t('clearAll')}</option>
          <option value="before">{t('clearBefore')}</option>
        </select>
        {scope === 'before' && (
          <input type="date" data-testid="clear-before" aria-label={t('clearBeforeDay')} value={day} onInput={(event) => setDay(event.currentTarget.value)} />
        )}
        <label>
          <input type="checkbox" data-testid="clear-delete-files" checked={deleteFiles} onChange={(event) => setDeleteFiles(event.currentTarget.checked)} /> {t('alsoDeleteFiles')}
        </label>
        <button type="button" data-testid="clear-button" disabled={busy || !ready} onClick={() => setConfirming(true)}>
          {t('clearButton')}
        </button>
      </div>
      {confirming && (
        <p class="confirm" role="alert" data-testid="clear-confirmation">
          {deleteFiles ? t('clearConfirmFiles') : t('clearConfirm')}{' '}
          <button type="button" data-testid="clear-confirm" onClick={() => void clear()}>
            {t('clearYes')}
          </button>{' '}
          <button type="button" onClick={() => setConfirming(false)}>
            {t('cancel')}
          </button>
        </p>
      )}
      {progress && (
        <p class="busy" role="status">
          {t('clearing')} <progress max={Math.max(1, progress.total)} value={progress.done} aria-label={t('clearing')} />
        </p>
      )}
      {message && (
        <p class={message.kind === 'error' ? 'error-text' : 'ok-text'} role={message.kind === 'error' ? 'alert' : 'status'} data-testid="clear-report">
          {message.text}
        </p>
      )}
    </div>
  );
}
