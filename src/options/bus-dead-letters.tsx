/**
 * The bus's dead letters (monitoring section): events a background handler gave up on, one row per handler and
 * download stream (the failed event; later ones of that stream wait behind it). Retry or discard one, or all,
 * through messages to the worker, which owns the bus.
 */
import { t } from '../platform/i18n.ts';
import { formatWhen } from '../ui/format.ts';
import { useLive } from '../ui/live.ts';
import { readBusDeadLetters, type SemantestDb, type SubscriberDeadLetterRow } from '../ui/read-api.ts';
import type { WorkerRequest } from '../shared/protocol.ts';

type Act = (request: WorkerRequest) => Promise<void>;

/** One handler's dead letters of one stream: the first (the one that failed) and how many wait behind it. */
export interface DeadLetterStream {
  head: SubscriberDeadLetterRow;
  waiting: number;
}

export function byStream(rows: readonly SubscriberDeadLetterRow[]): DeadLetterStream[] {
  const streams = new Map<string, DeadLetterStream>();
  for (const row of [...rows].sort((a, b) => a.position - b.position)) {
    const key = JSON.stringify([row.subscriberId, row.streamId]);
    const known = streams.get(key);
    if (known) known.waiting += 1;
    else streams.set(key, { head: row, waiting: 0 });
  }
  return [...streams.values()];
}

export function BusDeadLetters({ db, act }: { db: SemantestDb; act: Act }) {
  const letters = useLive(async () => byStream(await readBusDeadLetters(db)), []);
  const streams = letters.status === 'ready' ? letters.value : [];
  const now = Date.now();
  return (
    <div class="bus-dead-letters" data-testid="bus-dead-letters">
      <h3>
        {t('busDeadLettersTitle')}
        {streams.length > 0 && (
          <span class="buttons">
            <button type="button" data-testid="bus-retry-all" onClick={() => void act({ type: 'bus.retryDeadLetters', which: 'all' })}>
              {t('retryAll')}
            </button>
            <button type="button" data-testid="bus-discard-all" onClick={() => void act({ type: 'bus.discardDeadLetters', which: 'all' })}>
              {t('discardAll')}
            </button>
          </span>
        )}
      </h3>
      <p class="muted">{t('busDeadLettersHelp')}</p>
      {letters.status === 'error' && (
        <p class="error" role="alert">
          {t('busDeadLettersUnreadable')} {letters.error}
        </p>
      )}
      {letters.status === 'ready' &&
        (streams.length === 0 ? (
          <p class="empty" data-testid="bus-dead-letters-empty">
            {t('busDeadLettersEmpty')}
          </p>
        ) : (
          <table>
            <thead>
              <tr>
                <th scope="col">{t('colHandler')}</th>
                <th scope="col">{t('colEvent')}</th>
                <th scope="col">{t('colError')}</th>
                <th scope="col">{t('colAttempts')}</th>
                <th scope="col">{t('colWhen')}</th>
                <th scope="col">
                  <span class="muted">{t('colActions')}</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {streams.map(({ head, waiting }) => {
                const which = { subscriberId: head.subscriberId, streamId: head.streamId };
                return (
                  <tr key={`${head.subscriberId} ${head.streamId}`} data-testid="bus-dead-letter" data-subscriber={head.subscriberId} data-stream-id={head.streamId}>
                    <td>{head.subscriberId}</td>
                    <td>
                      <div>{head.type}</div>
                      <div class="muted">
                        {head.streamId} #{head.position}
                      </div>
                      {waiting > 0 && <div class="muted">{t('busWaitingBehind', String(waiting))}</div>}
                    </td>
                    <td>{head.error}</td>
                    <td data-testid="bus-dead-letter-attempts">{head.attempts}</td>
                    <td>{formatWhen(head.createdAt, now)}</td>
                    <td class="actions">
                      <button type="button" data-testid="bus-retry" onClick={() => void act({ type: 'bus.retryDeadLetters', which })}>
                        {t('retry')}
                      </button>
                      <button type="button" data-testid="bus-discard" onClick={() => void act({ type: 'bus.discardDeadLetters', which })}>
                        {t('discard')}
                      </button>
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        ))}
    </div>
  );
}
