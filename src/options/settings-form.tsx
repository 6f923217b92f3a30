/**
 * Settings, validated with zod as they are typed, saved with their version in chrome.storage.local; the worker
 * hears the change (storage.onChanged) and applies it to its next step, no reload.
 */
import { useEffect, useMemo, useState } from 'preact/hooks';
import { DEFAULT_SETTINGS, Settings } from '../shared/settings.ts';
import { buildDownloadPath } from '../domain/filename.ts';
import { loadSettings, onSettingsChanged, saveSettings } from '../platform/settings-store.ts';
import { t } from '../platform/i18n.ts';

type Draft = Record<keyof Settings, unknown>;
type Errors = Partial<Record<keyof Settings, string>>;

const MB = 1_048_576;

function validate(draft: Draft): { settings: Settings | null; errors: Errors } {
  const result = Settings.safeParse(draft);
  if (result.success) return { settings: result.data, errors: {} };
  const errors: Errors = {};
  for (const issue of result.error.issues) {
    const key = issue.path[0] as keyof Settings | undefined;
    if (key && !errors[key]) errors[key] = issue.message;
  }
  return { settings: null, errors };
}

/** What the folder and name templates give for an example image (the 7th of a batch), today. */
export function previewFileName(draft: Pick<Draft, 'folder' | 'fileNamePattern'>, now: number): string {
  return buildDownloadPath({
    imageUrl: 'https://images.example.org/photos/golden-retriever.jpg',
    title: 'Golden retriever puppy',
    folder: typeof draft.folder === 'string' ? draft.folder : DEFAULT_SETTINGS.folder,
    extension: 'jpg',
    pattern: typeof draft.fileNamePattern === 'string' ? draft.fileNamePattern : DEFAULT_SETTINGS.fileNamePattern,
    site: 'example.org',
    date: new Date(now).toISOString().slice(0, 10),
    query: 'dogs',
    index: 7,
    width: 1920,
    height: 1080,
  });
}

export function SettingsForm() {
  const [draft, setDraft] = useState<Draft | null>(null);
  const [status, setStatus] = useState<{ kind: 'saved' | 'error'; text: string } | null>(null);
  useEffect(() => {
    loadSettings().then(
      (settings) => setDraft(settings),
      (error: unknown) => {
        setDraft(DEFAULT_SETTINGS);
        setStatus({ kind: 'error', text: `${t('settingsUnreadable')} ${String(error)}` });
      },
    );
    // Another options tab saved: show what is stored now.
    return onSettingsChanged((settings) => setDraft(settings));
  }, []);
  const checked = useMemo(() => (draft ? validate(draft) : null), [draft]);
  if (!draft || !checked) return <p class="muted">{t('loading')}</p>;
  const { errors } = checked;
  const set = (key: keyof Settings, value: unknown) => {
    setDraft({ ...draft, [key]: value });
    setStatus(null);
  };
  const num = (value: string): number | string => (value.trim() === '' || Number.isNaN(Number(value)) ? value : Number(value));
  const save = async (event: Event) => {
    event.preventDefault();
    if (!checked.settings) {
      setStatus({ kind: 'error', text: t('settingsInvalid') });
      return;
    }
    try {
      await saveSettings(checked.settings);
      setStatus({ kind: 'saved', text: t('settingsSaved') });
    } catch (error) {
      setStatus({ kind: 'error', text: error instanceof Error ? error.message : String(error) });
    }
  };
  const field = (key: keyof Settings, label: string, input: preact.ComponentChildren, help?: string) => (
    <div class="field">
      <label for={`setting-${key}`}>{label}</label>
      {input}
      {help && (
        <small id={`help-${key}`} class="muted">
          {help}
        </small>
      )}
      {errors[key] && (
        <small id={`error-${key}`} class="error-text" role="alert">
          {errors[key]}
        </small>
      )}
    </div>
  );
  const describedBy = (key: keyof Settings) => [errors[key] ? `error-${key}` : '', `help-${key}`].filter(Boolean).join(' ');
  return (
    <section id="settings" aria-labelledby="settings-title">
      <h2 id="settings-title">{t('settingsTitle')}</h2>
      <form class="settings" onSubmit={(event) => void save(event)} data-testid="settings-form" noValidate>
        {field(
          'folder',
          t('settingFolder'),
          <input id="setting-folder" data-testid="setting-folder" value={String(draft.folder)} aria-invalid={!!errors.folder} aria-describedby={describedBy('folder')} onInput={(e) => set('folder', e.currentTarget.value)} />,
          t('settingFolderHelp'),
        )}
        {field(
          'fileNamePattern',
          t('settingPattern'),
          <input
            id="setting-fileNamePattern"
            data-testid="setting-pattern"
            value={String(draft.fileNamePattern)}
            aria-invalid={!!errors.fileNamePattern}
            aria-describedby={describedBy('fileNamePattern')}
            onInput={(e) => set('fileNamePattern', e.currentTarget.value)}
          />,
          t('settingPatternHelp'),
        )}
        <p class="preview" aria-live="polite">
          {t('preview')} <code data-testid="pattern-preview">{previewFileName(draft, Date.now())}</code>
        </p>
        {field(
          'conflictAction',
          t('settingConflict'),
          <select id="setting-conflictAction" data-testid="setting-conflict" value={String(draft.conflictAction)} onChange={(e) => set('conflictAction', e.currentTarget.value)}>
            <option value="uniquify">{t('conflictUniquify')}</option>
            <option value="overwrite">{t('conflictOverwrite')}</option>
          </select>,
        )}
        <div class="row">
          {field(
            'maxRetries',
            t('settingRetries'),
            <input id="setting-maxRetries" type="number" min={0} max={10} value={String(draft.maxRetries)} aria-invalid={!!errors.maxRetries} onInput={(e) => set('maxRetries', num(e.currentTarget.value))} />,
          )}
          {field(
            'baseDelayMs',
            t('settingBackoff'),
            <input id="setting-baseDelayMs" type="number" min={100} step={100} value={String(draft.baseDelayMs)} aria-invalid={!!errors.baseDelayMs} onInput={(e) => set('baseDelayMs', num(e.currentTarget.value))} />,
          )}
          {field(
            'concurrency',
            t('settingConcurrency'),
            <input id="setting-concurrency" type="number" min={1} max={10} value={String(draft.concurrency)} aria-invalid={!!errors.concurrency} onInput={(e) => set('concurrency', num(e.currentTarget.value))} />,
          )}
          {field(
            'hostRequestsPerSecond',
            t('settingHostPace'),
            <input
              id="setting-hostRequestsPerSecond"
              type="number"
              min={0}
              max={100}
              value={String(draft.hostRequestsPerSecond)}
              aria-invalid={!!errors.hostRequestsPerSecond}
              onInput={(e) => set('hostRequestsPerSecond', num(e.currentTarget.value))}
            />,
          )}
          {field(
            'maxBytes',
            t('settingMaxSize'),
            <input
              id="setting-maxBytes"
              type="number"
              min={1}
              value={typeof draft.maxBytes === 'number' ? String(Math.round(draft.maxBytes / MB)) : String(draft.maxBytes)}
              aria-invalid={!!errors.maxBytes}
              onInput={(e) => {
                const value = num(e.currentTarget.value);
                set('maxBytes', typeof value === 'number' ? Math.round(value * MB) : value);
              }}
            />,
          )}
        </div>
        {field(
          'skipSmallerThanPx',
          t('settingSkipSmaller'),
          <input id="setting-skipSmallerThanPx" data-testid="setting-skip-smaller" type="number" min={0} max={100000} value={String(draft.skipSmallerThanPx)} aria-invalid={!!errors.skipSmallerThanPx} aria-describedby="help-skipSmallerThanPx" onInput={(e) => set('skipSmallerThanPx', num(e.currentTarget.value))} />,
          t('settingSkipSmallerHelp'),
        )}
        <div class="field check">
          <input id="setting-offerThumbnail" type="checkbox" checked={draft.offerThumbnail === true} onChange={(e) => set('offerThumbnail', e.currentTarget.checked)} />
          <label for="setting-offerThumbnail">{t('settingThumbnail')}</label>
        </div>
        <div class="field check">
          <input id="setting-biggerOriginals" type="checkbox" checked={draft.biggerOriginals === true} onChange={(e) => set('biggerOriginals', e.currentTarget.checked)} />
          <label for="setting-biggerOriginals">{t('settingBiggerOriginals')}</label>
        </div>
        <div class="field check">
          <input id="setting-sidecarMetadata" type="checkbox" checked={draft.sidecarMetadata === true} onChange={(e) => set('sidecarMetadata', e.currentTarget.checked)} />
          <label for="setting-sidecarMetadata">{t('settingSidecar')}</label>
        </div>
        {field(
          'notifications',
          t('settingNotifications'),
          <select id="setting-notifications" value={String(draft.notifications)} aria-describedby="help-notifications" onChange={(e) => set('notifications', e.currentTarget.value)}>
            <option value="none">{t('notifyNone')}</option>
            <option value="failures">{t('notifyFailures')}</option>
            <option value="all">{t('notifyAll')}</option>
          </select>,
          t('settingNotificationsHelp'),
        )}
        {field(
          'saveAs',
          t('settingSaveAs'),
          <select id="setting-saveAs" value={String(draft.saveAs)} aria-describedby="help-saveAs" onChange={(e) => set('saveAs', e.currentTarget.value)}>
            <option value="original">{t('saveAsOriginal')}</option>
            <option value="png">{t('saveAsPng')}</option>
            <option value="jpeg">{t('saveAsJpeg')}</option>
            <option value="webp">{t('saveAsWebp')}</option>
          </select>,
          t('settingSaveAsHelp'),
        )}
        {field(
          'convertQuality',
          t('settingConvertQuality'),
          <input
            id="setting-convertQuality"
            type="number"
            min={10}
            max={100}
            value={typeof draft.convertQuality === 'number' ? String(Math.round(draft.convertQuality * 100)) : String(draft.convertQuality)}
            aria-invalid={!!errors.convertQuality}
            onInput={(e) => {
              const value = num(e.currentTarget.value);
              set('convertQuality', typeof value === 'number' ? value / 100 : value);
            }}
          />,
        )}
        <div class="field check">
          <input id="setting-keepOriginal" type="checkbox" checked={draft.keepOriginal === true} onChange={(e) => set('keepOriginal', e.currentTarget.checked)} />
          <label for="setting-keepOriginal">{t('settingKeepOriginal')}</label>
        </div>
        <div class="buttons">
          <button type="submit" class="primary" data-testid="save-settings">
            {t('save')}
          </button>
          <button type="button" onClick={() => {
              setDraft(DEFAULT_SETTINGS);
              setStatus(null);
            }}>
            {t('resetDefaults')}
          </button>
          {status && (
            <span class={status.kind === 'error' ? 'error-text' : 'ok-text'} role={status.kind === 'error' ? 'alert' : 'status'} data-testid="settings-status">
              {status.text}
            </span>
          )}
        </div>
      </form>
    </section>
  );
}
