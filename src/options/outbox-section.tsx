/**
 * The integrations outbox on the options page: turn it on with a receiver's URL, see how far it got, and answer
 * its dead-letter state (retry the failed batch, or skip it). Also the alert settings (batch summaries and the
 * failure-rate alert), which belong with "what Semantest tells the outside".
 *
 * Turning the outbox on asks for the host permission of the URL's origin in the click itself (a user gesture is
 * required): the manifest's broad http/https grant normally covers it (then nothing is shown), but the user may
 * have narrowed the extension's site access in chrome://extensions, and the worker checks it before every POST.
 */
import { useEffect, useState } from 'preact/hooks';
import { Settings } from '../shared/settings.ts';
import { originPattern, outboxUrlProblem } from '../outbox/cloudevents.ts';
import { OUTBOX_ID, outboxStatus, type OutboxCheckpoint } from '../outbox/outbox.ts';
import type { OutboxResponse } from '../outbox/protocol.ts';
import { browserPermissions } from '../platform/browser-adapters.ts';
import { t } from '../platform/i18n.ts';
import { sendOutsideProtocol } from '../platform/messaging.ts';
import { loadSettings, onSettingsChanged, saveSettings } from '../platform/settings-store.ts';
import type { SemantestDb } from '../ui/read-api.ts';
import { useLive } from '../ui/live.ts';
import { readCheckpointAndLast } from '../ui/read-api.ts';

type Notice = { kind: 'saved' | 'error'; text: string } | null;

function useSettings(): Settings | null {
  const [settings, setSettings] = useState<Settings | null>(null);
  useEffect(() => {
    void loadSettings().then(setSettings, () => setSettings(Settings.parse({})));
    return onSettingsChanged(setSettings);
  }, []);
  return settings;
}

/** Saves `patch` over the stored settings (not over a stale copy: the main form may have saved meanwhile). */
async function savePatch(patch: Partial<Settings>): Promise<void> {
  await saveSettings({ ...(await loadSettings()), ...patch });
}

const numberOr = (value: string, fallback: number): number => (value.trim() === '' || Number.isNaN(Number(value)) ? fallback : Number(value));

export function OutboxSection({ db }: { db: SemantestDb }) {
  const settings = useSettings();
  const live = useLive(async () => {
    const { row, last } = await readCheckpointAndLast(db, OUTBOX_ID);
    return { row: row as OutboxCheckpoint | undefined, last };
  }, []);
  const [url, setUrl] = useState<string | null>(null);
  const [batchSize, setBatchSize] = useState<string | null>(null);
  const [maxAttempts, setMaxAttempts] = useState<string | null>(null);
  const [notice, setNotice] = useState<Notice>(null);
  if (!settings) return <p class="muted">{t('loading')}</p>;
  const urlValue = url ?? settings.outboxUrl;
  const problem = urlValue.trim() === '' ? t('outboxUrlMissing') : outboxUrlProblem(urlValue.trim());

  const turn = async (on: boolean): Promise<void> => {
    setNotice(null);
    const target = urlValue.trim();
    if (on) {
      if (problem) return setNotice({ kind: 'error', text: problem });
      // First thing in the click: the permission prompt needs the user's gesture.
      const granted = await browserPermissions.request(originPattern(target)).catch((error: unknown) => {
        setNotice({ kind: 'error', text: String(error) });
        return false;
      });
      if (!granted) return setNotice({ kind: 'error', text: t('outboxPermissionDenied', new URL(target).origin) });
    }
    const patch = Settings.partial().safeParse({
      outboxEnabled: on,
      outboxUrl: target,
      outboxBatchSize: numberOr(batchSize ?? '', settings.outboxBatchSize),
      outboxMaxAttempts: numberOr(maxAttempts ?? '', settings.outboxMaxAttempts),
    });
    if (!patch.success) return setNotice({ kind: 'error', text: patch.error.issues.map((issue) => issue.message).join(' ') });
    try {
      await savePatch(patch.data);
      setNotice({ kind: 'saved', text: on ? t('outboxOn') : t('outboxOff') });
    } catch (error) {
      setNotice({ kind: 'error', text: error instanceof Error ? error.message : String(error) });
    }
  };
  const command = async (type: 'outbox.resume' | 'outbox.skip' | 'outbox.restart', from?: 'start' | 'now'): Promise<void> => {
    const answer = (await sendOutsideProtocol(from ? { type, from } : { type }).catch((error: unknown) => ({ ok: false, error: String(error) }))) as OutboxResponse | undefined;
    setNotice(answer?.ok === false ? { kind: 'error', text: answer.error } : null);
  };

  const status = live.status === 'ready' ? outboxStatus(live.value.row, { enabled: settings.outboxEnabled }) : null;
  const last = live.status === 'ready' ? live.value.last : 0;
  return (
    <section id="outbox" aria-labelledby="outbox-title">
      <h2 id="outbox-title">{t('outboxTitle')}</h2>
      <p class="muted">{t('outboxHelp')}</p>
      <div class="settings">
        <div class="field">
          <label for="outbox-url">{t('outboxUrl')}</label>
          <input
            id="outbox-url"
            data-testid="outbox-url"
            type="url"
            placeholder="https://example.org/webhook"
            value={urlValue}
            aria-invalid={urlValue.trim() !== '' && problem !== null}
            onInput={(event) => setUrl(event.currentTarget.value)}
          />
          {urlValue.trim() !== '' && problem && (
            <small class="error-text" role="alert">
              {problem}
            </small>
          )}
        </div>
        <div class="row">
          <div class="field">
            <label for="outbox-batch">{t('outboxBatchSize')}</label>
            <input id="outbox-batch" type="number" min={1} max={1000} value={batchSize ?? String(settings.outboxBatchSize)} onInput={(event) => setBatchSize(event.currentTarget.value)} />
          </div>
          <div class="field">
            <label for="outbox-attempts">{t('outboxMaxAttempts')}</label>
            <input id="outbox-attempts" type="number" min={1} max={20} value={maxAttempts ?? String(settings.outboxMaxAttempts)} onInput={(event) => setMaxAttempts(event.currentTarget.value)} />
          </div>
        </div>
        <label class="check">
          <input
            type="checkbox"
            data-testid="outbox-send-imported"
            checked={settings.outboxSendImported}
            onChange={(event) => {
              const on = event.currentTarget.checked;
              savePatch({ outboxSendImported: on }).then(
                () => setNotice({ kind: 'saved', text: t('summarySaved') }),
                (error: unknown) => setNotice({ kind: 'error', text: String(error) }),
              );
            }}
          />{' '}
          {t('outboxSendImported')}
        </label>
        <div class="buttons">
          {settings.outboxEnabled ? (
            <>
              <button type="button" class="primary" data-testid="outbox-save" onClick={() => void turn(true)}>
                {t('outboxSave')}
              </button>
              <button type="button" data-testid="outbox-off" onClick={() => void turn(false)}>
                {t('outboxTurnOff')}
              </button>
            </>
          ) : (
            <button type="button" class="primary" data-testid="outbox-on" onClick={() => void turn(true)}>
              {t('outboxTurnOn')}
            </button>
          )}
          {notice && (
            <span class={notice.kind === 'error' ? 'error-text' : 'ok-text'} role={notice.kind === 'error' ? 'alert' : 'status'} data-testid="outbox-notice">
              {notice.text}
            </span>
          )}
        </div>
      </div>
      {status && (
        <div class="outbox-status" data-testid="outbox-status" data-state={status.state} data-position={status.position}>
          <p>
            {t(`outboxState_${status.state}`)} {t('outboxProgress', [String(status.position), String(last)])}
          </p>
          {(status.state === 'retrying' || status.state === 'stopped') && (
            <p class="error" role="alert" data-testid="outbox-error">
              {status.error}{' '}
              {status.state === 'retrying' ? t('outboxNextTry', [String(status.attempts), new Date(status.dueAt).toLocaleTimeString()]) : t('outboxStoppedAfter', String(status.attempts))}
            </p>
          )}
          <div class="buttons">
            {(status.state === 'retrying' || status.state === 'stopped') && (
              <button type="button" data-testid="outbox-retry" onClick={() => void command('outbox.resume')}>
                {t('outboxRetryNow')}
              </button>
            )}
            {status.state === 'stopped' && (
              <button type="button" data-testid="outbox-skip" onClick={() => void command('outbox.skip')}>
                {t('outboxSkip', String(status.failedThrough))}
              </button>
            )}
            <button type="button" data-testid="outbox-restart" onClick={() => void command('outbox.restart', 'start')}>
              {t('outboxSendAllAgain')}
            </button>
            <button type="button" data-testid="outbox-skip-history" onClick={() => void command('outbox.restart', 'now')}>
              {t('outboxSkipHistory')}
            </button>
          </div>
        </div>
      )}
    </section>
  );
}

/** Batch summaries and the failure-rate alert (the single-download notifications are in the main form). */
export function AlertsSection() {
  const settings = useSettings();
  const [notice, setNotice] = useState<Notice>(null);
  if (!settings) return null;
  const save = async (patch: Partial<Settings>): Promise<void> => {
    const valid = Settings.partial().safeParse(patch);
    if (!valid.success) return setNotice({ kind: 'error', text: valid.error.issues.map((issue) => issue.message).join(' ') });
    try {
      await savePatch(valid.data);
      setNotice({ kind: 'saved', text: t('settingsSaved') });
    } catch (error) {
      setNotice({ kind: 'error', text: error instanceof Error ? error.message : String(error) });
    }
  };
  return (
    <section id="alerts" aria-labelledby="alerts-title">
      <h2 id="alerts-title">{t('alertsTitle')}</h2>
      <div class="settings">
        <div class="field check">
          <input id="alert-bulk" data-testid="alert-bulk" type="checkbox" checked={settings.notifyBulk} onChange={(event) => void save({ notifyBulk: event.currentTarget.checked })} />
          <label for="alert-bulk">{t('alertBulk')}</label>
        </div>
        <div class="row">
          <div class="field">
            <label for="alert-percent">{t('alertPercent')}</label>
            <input
              id="alert-percent"
              data-testid="alert-percent"
              type="number"
              min={0}
              max={100}
              value={String(settings.failureAlertPercent)}
              onChange={(event) => void save({ failureAlertPercent: numberOr(event.currentTarget.value, settings.failureAlertPercent) })}
            />
          </div>
          <div class="field">
            <label for="alert-window">{t('alertWindow')}</label>
            <input
              id="alert-window"
              data-testid="alert-window"
              type="number"
              min={2}
              max={100}
              value={String(settings.failureAlertWindow)}
              onChange={(event) => void save({ failureAlertWindow: numberOr(event.currentTarget.value, settings.failureAlertWindow) })}
            />
          </div>
        </div>
        <small class="muted">{t('alertHelp')}</small>
        {notice && (
          <span class={notice.kind === 'error' ? 'error-text' : 'ok-text'} role={notice.kind === 'error' ? 'alert' : 'status'}>
            {notice.text}
          </span>
        )}
      </div>
    </section>
  );
}
