/**
 * The options page: the dead-letter queue, settings, the event log (a download's timeline and the raw log),
 * and the log's export, import and replay.
 */
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { openDatabase } from '../ui/read-api.ts';
import { sendToWorker } from '../platform/messaging.ts';
import { messagesReady, t } from '../platform/i18n.ts';
import type { WorkerRequest } from '../shared/protocol.ts';
import { DeadLetters } from './dead-letters.tsx';
import { HostAccess } from './host-access.tsx';
import { SettingsForm } from './settings-form.tsx';
import { BatchReportSection } from './batch-report-section.tsx';
import { RawLog, StreamTimeline } from './event-log.tsx';
import { Maintenance } from './maintenance.tsx';
import { MonitoringSection } from './monitoring-section.tsx';
import { AlertsSection, OutboxSection } from './outbox-section.tsx';

const db = openDatabase();

const streamFromHash = (): string | null => /^#events\/(.+)$/.exec(location.hash)?.[1] ?? null;

function Options() {
  const [notice, setNotice] = useState<string | null>(null);
  const [streamId, setStreamId] = useState<string | null>(streamFromHash());
  useEffect(() => {
    const listener = () => setStreamId(streamFromHash());
    addEventListener('hashchange', listener);
    return () => removeEventListener('hashchange', listener);
  }, []);
  const act = async (request: WorkerRequest) => {
    const response = await sendToWorker(request).catch((error: unknown) => ({ ok: false as const, error: String(error) }));
    setNotice(response.ok ? null : response.error);
  };
  const showEvents = (id: string) => {
    location.hash = `events/${id}`;
    setStreamId(id);
    requestAnimationFrame(() => document.getElementById('timeline')?.scrollIntoView());
  };
  return (
    <main>
      <h1>{t('optionsTitle')}</h1>
      <nav aria-label={t('sections')}>
        <a href="#dead-letters">{t('deadLettersTitle')}</a> · <a href="#settings">{t('settingsTitle')}</a> · <a href="#batch-report">{t('batchReportTitle')}</a> · <a href="#timeline">{t('timelineTitle')}</a> ·{' '}
        <a href="#raw-log">{t('rawLogTitle')}</a> · <a href="#data">{t('dataTitle')}</a> · <a href="#monitoring">{t('monitorTitle')}</a>
      </nav>
      <HostAccess />
      {notice && (
        <p class="error" role="alert">
          {notice}
        </p>
      )}
      <DeadLetters db={db} act={act} onShowEvents={showEvents} />
      <SettingsForm />
      <AlertsSection />
      <OutboxSection db={db} />
      <BatchReportSection />
      <StreamTimeline db={db} streamId={streamId} onSelect={showEvents} />
      <RawLog db={db} onSelect={showEvents} />
      <Maintenance db={db} />
      <MonitoringSection db={db} act={act} />
    </main>
  );
}

const root = document.getElementById('app');
if (root) void messagesReady().then(() => render(<Options />, root));
