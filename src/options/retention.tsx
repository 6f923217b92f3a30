/**
 * The retention policy (Storage section): compact settled downloads older than N days, automatically (the worker,
 * on start) when turned on, or now. Compaction removes only intermediate steps (src/store/compaction.ts); the
 * history stays as it is, and the report says what went.
 */
import { useEffect, useState } from 'preact/hooks';
import type { SemantestDb } from '../store/database.ts';
import { compactSettledStreams, DAY_MS, type CompactionReport } from '../store/compaction.ts';
import { loadSettings, onSettingsChanged, saveSettings } from '../platform/settings-store.ts';
import { t } from '../platform/i18n.ts';

const CHOICES = [0, 1, 7, 30, 90, 365];

export function describeReport(report: CompactionReport): string {
  const byType = Object.entries(report.removedByType)
    .map(([type, count]) => `${type} ${count}`)
    .join(', ');
  return t('compacted', [String(report.eventsRemoved), String(report.streamsCompacted), String(report.streamsSeen)]) + (byType ? ` (${byType})` : '');
}

export function Retention({ db, busy, onBusy }: { db: SemantestDb; busy: boolean; onBusy: (busy: boolean) => void }) {
  const [days, setDays] = useState<number | null>(null);
  const [message, setMessage] = useState<{ kind: 'ok' | 'error'; text: string } | null>(null);
  const [progress, setProgress] = useState<{ done: number; total: number } | null>(null);
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
    setProgress({ done: 0, total: 0 });
    try {
      const report = await compactSettledStreams(db, {
        now: Date.now(),
        olderThanMs: (days ?? 0) * DAY_MS,
        onProgress: (done, total) => setProgress({ done, total }),
      });
      setMessage({ kind: 'ok', text: describeReport(report) });
    } catch (error) {
      setMessage({ kind: 'error', text: error instanceof Error ? error.message : String(error) });
    } finally {
      setProgress(null);
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
