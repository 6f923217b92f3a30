/** The event log viewer: one download's timeline (grouped by correlation, with causation links) and the raw log. */
import { useState } from 'preact/hooks';
import { EVENT_TYPES, type StoredEvent } from '../domain/events.ts';
import type { SemantestDb } from '../ui/read-api.ts';
import { useLive } from '../ui/live.ts';
import { queryLog, readDownloadStory, readRecentDownloads } from '../ui/read-api.ts';
import { buildTimeline, shortId } from '../ui/event-timeline.ts';
import { fileNameOf, formatDuration } from '../ui/format.ts';
import { t } from '../platform/i18n.ts';

const PAGE_SIZE = 50;

const time = (epochMs: number): string => new Date(epochMs).toLocaleString();

export function StreamTimeline({ db, streamId, onSelect }: { db: SemantestDb; streamId: string | null; onSelect: (streamId: string) => void }) {
  const recent = useLive(() => readRecentDownloads(db, 200), []);
  const events = useLive(async () => (streamId ? readDownloadStory(db, streamId) : []), [streamId]);
  return (
    <section id="timeline" aria-labelledby="timeline-title">
      <h2 id="timeline-title">{t('timelineTitle')}</h2>
      <label class="inline-field">
        {t('timelineChoose')}{' '}
        <select data-testid="timeline-select" value={streamId ?? ''} onChange={(event) => event.currentTarget.value && onSelect(event.currentTarget.value)}>
          <option value="">{t('timelineNone')}</option>
          {recent.status === 'ready' &&
            recent.value.map((row) => (
              <option key={row.streamId} value={row.streamId}>
                {fileNameOf(row)} — {time(row.requestedAt)}
              </option>
            ))}
        </select>
      </label>
      {streamId && events.status === 'ready' && (
        <div data-testid="timeline">
          {buildTimeline(events.value).map((group, index) => (
            <section key={group.correlationId} class="timeline-group" data-testid="timeline-group" aria-label={t('actionNumbered', String(index + 1))}>
              <h3>
                {index === 0 ? t('firstAction') : t('laterAction')} <code title={group.correlationId}>{shortId(group.correlationId)}</code>
              </h3>
              <ol class="timeline">
                {group.entries.map(({ event, causedBy, sinceStart }) => (
                  <li key={event.eventId} id={`event-${event.eventId}`} data-testid="timeline-event" data-type={event.type}>
                    <span class="event-type">{event.type}</span> <span class="muted">+{formatDuration(sinceStart) || '0 ms'}</span>
                    <div class="muted small">
                      v{event.version} · {t('schema')} {event.schemaVersion} · {time(event.createdAt)} ·{' '}
                      {causedBy ? (
                        <a href={`#event-${causedBy.eventId}`}>
                          {t('causedBy')} {causedBy.type}
                        </a>
                      ) : (
                        <span>
                          {t('causedByCommand')} <code>{shortId(event.causationId)}</code>
                        </span>
                      )}
                    </div>
                    <EventData event={event} />
                  </li>
                ))}
              </ol>
            </section>
          ))}
        </div>
      )}
    </section>
  );
}

function EventData({ event }: { event: StoredEvent }) {
  return (
    <details>
      <summary>{t('payload')}</summary>
      <pre>{JSON.stringify(event.data, null, 2)}</pre>
    </details>
  );
}

interface LogFilter {
  type: string;
  from: string;
  to: string;
}

function query(db: SemantestDb, filter: LogFilter) {
  return queryLog(db, filter.type, filter.from ? Date.parse(filter.from) : -Infinity, filter.to ? Date.parse(filter.to) : Infinity);
}

export function RawLog({ db, onSelect }: { db: SemantestDb; onSelect: (streamId: string) => void }) {
  const [filter, setFilter] = useState<LogFilter>({ type: '', from: '', to: '' });
  const [page, setPage] = useState(0);
  const result = useLive(async () => {
    const total = await query(db, filter).count();
    const events = await query(db, filter).offset(page * PAGE_SIZE).limit(PAGE_SIZE).toArray();
    return { total, events };
  }, [filter, page]);
  const change = (next: Partial<LogFilter>) => {
    setFilter({ ...filter, ...next });
    setPage(0);
  };
  const total = result.status === 'ready' ? result.value.total : 0;
  const pages = Math.max(1, Math.ceil(total / PAGE_SIZE));
  return (
    <section id="raw-log" aria-labelledby="raw-log-title">
      <h2 id="raw-log-title">{t('rawLogTitle')}</h2>
      <div class="log-filters">
        <label>
          {t('filterType')}{' '}
          <select data-testid="log-type-filter" value={filter.type} onChange={(event) => change({ type: event.currentTarget.value })}>
            <option value="">{t('allTypes')}</option>
            {EVENT_TYPES.map((type) => (
              <option key={type} value={type}>
                {type}
              </option>
            ))}
          </select>
        </label>
        <label>
          {t('filterFrom')} <input type="datetime-local" data-testid="log-from" value={filter.from} onChange={(event) => change({ from: event.currentTarget.value })} />
        </label>
        <label>
          {t('filterTo')} <input type="datetime-local" data-testid="log-to" value={filter.to} onChange={(event) => change({ to: event.currentTarget.value })} />
        </label>
      </div>
      {result.status === 'error' && (
        <p class="error" role="alert">
          {result.error}
        </p>
      )}
      {result.status === 'ready' && (
        <>
          <p class="muted" aria-live="polite" data-testid="log-count">
            {t('logCount', [String(total), String(page + 1), String(pages)])}
          </p>
          <table class="log">
            <thead>
              <tr>
                <th scope="col">#</th>
                <th scope="col">{t('colWhen')}</th>
                <th scope="col">{t('colType')}</th>
                <th scope="col">{t('colStream')}</th>
                <th scope="col">{t('colCorrelation')}</th>
                <th scope="col">{t('colCausation')}</th>
              </tr>
            </thead>
            <tbody>
              {result.value.events.map((event) => (
                <tr key={event.eventId} data-testid="log-row" data-type={event.type}>
                  <td>{event.position}</td>
                  <td>{time(event.createdAt)}</td>
                  <td>
                    {event.type} <span class="muted">v{event.schemaVersion}</span>
                  </td>
                  <td>
                    <button type="button" class="link" onClick={() => onSelect(event.type === 'DeadLetterDiscarded' ? String((event.data as { downloadId?: string }).downloadId) : event.streamId)}>
                      {shortId(event.streamId)}:{event.version}
                    </button>
                  </td>
                  <td>
                    <code title={event.correlationId}>{shortId(event.correlationId)}</code>
                  </td>
                  <td>
                    <code title={event.causationId}>{shortId(event.causationId)}</code>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          <div class="pager">
            <button type="button" data-testid="log-prev" disabled={page === 0} onClick={() => setPage(page - 1)}>
              {t('previous')}
            </button>
            <button type="button" data-testid="log-next" disabled={page + 1 >= pages} onClick={() => setPage(page + 1)}>
              {t('next')}
            </button>
          </div>
        </>
      )}
    </section>
  );
}
