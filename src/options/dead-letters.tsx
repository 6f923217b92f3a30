/** The dead-letter queue: downloads that failed after every automatic retry. Retry one, selected or all; discard. */
import { useState } from 'preact/hooks';
import type { DownloadState } from '../domain/download.ts';
import type { WorkerRequest } from '../shared/protocol.ts';
import { useLive } from '../ui/live.ts';
import { readDeadLetteredDownloads } from '../ui/read-api.ts';
import { fileNameOf, formatWhen } from '../ui/format.ts';
import { t } from '../platform/i18n.ts';
import type { SemantestDb } from '../ui/read-api.ts';

export type Act = (request: WorkerRequest) => Promise<void>;

export function DeadLetters({ db, act, onShowEvents }: { db: SemantestDb; act: Act; onShowEvents: (streamId: string) => void }) {
  const deadLetters = useLive(
    () => readDeadLetteredDownloads(db),
    [],
  );
  const [selected, setSelected] = useState<ReadonlySet<string>>(new Set());
  const rows = deadLetters.status === 'ready' ? deadLetters.value : [];
  // Only rows still in the queue count as selected (a retried row leaves it).
  const chosen = rows.filter((row) => selected.has(row.streamId)).map((row) => row.streamId);
  const toggle = (streamId: string, on: boolean) => {
    const next = new Set(selected);
    if (on) next.add(streamId);
    else next.delete(streamId);
    setSelected(next);
  };
  const now = Date.now();
  return (
    <section id="dead-letters" aria-labelledby="dlq-title">
      <h2 id="dlq-title">
        {t('deadLettersTitle')}
        <span class="buttons">
          <button
            type="button"
            data-testid="retry-selected-button"
            disabled={chosen.length === 0}
            onClick={() => {
              void act({ type: 'download.retry', streamIds: chosen });
              setSelected(new Set());
            }}
          >
            {t('retrySelected', String(chosen.length))}
          </button>
          <button type="button" data-testid="retry-all-button" onClick={() => void act({ type: 'download.retryAllDeadLetters' })}>
            {t('retryAll')}
          </button>
        </span>
      </h2>
      <p class="muted">{t('deadLettersHelp')}</p>
      {deadLetters.status === 'error' && (
        <p class="error" role="alert">
          {t('queueUnreadable')} {deadLetters.error}
        </p>
      )}
      {deadLetters.status === 'ready' &&
        (rows.length === 0 ? (
          <p class="empty">{t('deadLettersEmpty')}</p>
        ) : (
          <table>
            <thead>
              <tr>
                <th scope="col">
                  <input
                    type="checkbox"
                    aria-label={t('selectAll')}
                    data-testid="select-all-dead-letters"
                    checked={chosen.length === rows.length}
                    onChange={(event) => setSelected(event.currentTarget.checked ? new Set(rows.map((row) => row.streamId)) : new Set())}
                  />
                </th>
                <th scope="col">{t('colImage')}</th>
                <th scope="col">{t('colError')}</th>
                <th scope="col">{t('colAttempts')}</th>
                <th scope="col">{t('colWhen')}</th>
                <th scope="col">
                  <span class="muted">{t('colActions')}</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {rows.map((row) => (
                <DeadLetterItem key={row.streamId} row={row} now={now} act={act} selected={selected.has(row.streamId)} onSelect={toggle} onShowEvents={onShowEvents} />
              ))}
            </tbody>
          </table>
        ))}
    </section>
  );
}

function DeadLetterItem({
  row,
  now,
  act,
  selected,
  onSelect,
  onShowEvents,
}: {
  row: DownloadState;
  now: number;
  act: Act;
  selected: boolean;
  onSelect: (streamId: string, on: boolean) => void;
  onShowEvents: (streamId: string) => void;
}) {
  const name = fileNameOf(row);
  return (
    <tr data-testid="dead-letter-item" data-stream-id={row.streamId}>
      <td>
        <input type="checkbox" aria-label={t('selectNamed', name)} data-testid="select-dead-letter" checked={selected} onChange={(event) => onSelect(row.streamId, event.currentTarget.checked)} />
      </td>
      <td>
        <div>{name}</div>
        <div class="url muted" title={row.request.imageUrl}>
          {row.request.imageUrl}
        </div>
      </td>
      <td>{row.error}</td>
      <td>{row.attempt}</td>
      <td>{formatWhen(row.updatedAt, now)}</td>
      <td class="actions">
        <button type="button" data-testid="retry-button" onClick={() => void act({ type: 'download.retry', streamIds: [row.streamId] })}>
          {t('retry')}
        </button>
        <button type="button" data-testid="discard-button" onClick={() => void act({ type: 'download.discard', streamIds: [row.streamId] })}>
          {t('discard')}
        </button>
        <button type="button" class="link" onClick={() => onShowEvents(row.streamId)}>
          {t('events')}
        </button>
      </td>
    </tr>
  );
}
