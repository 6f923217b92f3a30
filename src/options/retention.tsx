/**
 * The retention policy (Storage section): compact settled downloads older than N days, automatically (the worker,
 * on start) when turned on, or now (asked of the worker, which does the writing). Compaction removes only
 * intermediate steps (src/store/compaction.ts); the history stays as it is, and the report says what went.
 */
import { useEffect, useState } from 'preact/hooks';
import { loadSettings, onSettingsChanged, saveSettings } from '../platform/settings-store.ts';
import { sendToWorker } from '../platform/messaging.ts';
import { t } from '../platform/i18n.ts';
import type { CompactionSummary } from '../shared/protocol.ts';

const CHOICES = [0, 1, 7, 30, 90, 365];

export function describeReport(report: CompactionSummary): string {
  const byType = Object.entries(report.removedByType)
    .map(([type, count]) => `${type} ${count}`)
    .join(', ');
  return t('compacted', [String(report.eventsRemoved), String(report.streamsCompacted), String(report.streamsSeen)]) + (byType ? ` (${byType})` : '');
}

export function Retention({ busy, onBusy, progress }: { busy: boolean; onBusy: (busy: boolean) => void; progress: { done: number; total: number } | null }) {
  const [days, setDays] = useState<number | null>(null);
  const [message, setMessage] = useState<{ kind: 'ok' | 'error'; text: string } | null>(null);
  useEffect(() => {
    loadSettings().then((settings) => setDays(settings.retentionDays), () => setDays(0));
    return onSettingsChanged((settings) => setDays(settings.retentionDays));
  }, []);

  const choose = async (value: number) => {
    setMessage(null);
    try {
      const settings = await loadSettings();
      await saveSettings({ ...settings, retentionDays: value });
      setDays(value);
      setMessage({ kind: 'ok', text: value > 0 ? t('retentionOn', String(value)) : t('retentionOff') });
    } catch (error) {
      setMessage({ kind: 'error', text: error instanceof Error ? error.message : String(error) });
    }
  };
  const compactNow = async () => {
    setMessage(null);
    onBusy(true);
    try {
      const response = await sendToWorker({ type: 'history.compact', olderThanDays: days ?? 0 });
      if (!response.ok) throw new Error(response.error);
      if (response.compacted) setMessage({ kind: 'ok', text: describeReport(response.compacted) });
    } catch (error) {
      setMessage({ kind: 'error', text: error instanceof Error ? error.message : String(error) });
    } finally {
      onBusy(false);
    }
  };

  return (
    <div class="retention" data-testid="retention">
      <h3>{t('retentionTitle')}</h3>
      <p class="muted small">{t('retentionHelp')}</p>
      <div class="buttons">
        <label for="retention-days">{t('retentionLabel')}</label>
        <select
          id="retention-days"
          data-testid="retention-days"
          disabled={days === null}
          value={String(days ?? 0)}
          onChange={(event) => void choose(Number(event.currentTarget.value))}
        >
          {CHOICES.map((choice) => (
            <option key={choice} value={String(choice)}>
              {choice === 0 ? t('retentionNever') : t('retentionDays', String(choice))}
            </option>
          ))}
        </select>
        <button type="button" data-testid="compact-button" disabled={busy || days === null} onClick={() => void compactNow()}>
          {days ? t('compactNowOlder', String(days)) : t('compactNowAll')}
        </button>
      </div>
      {progress && (
        <p class="busy" role="status">
          {t('compacting')} <progress max={Math.max(1, progress.total)} value={progress.done} aria-label={t('compacting')} />
        </p>
      )}
      {message && (
        <p class={message.kind === 'error' ? 'error-text' : 'ok-text'} role={message.kind === 'error' ? 'alert' : 'status'} data-testid="compaction-report">
          {message.text}
        </p>
      )}
    </div>
  );
}
