/** The options page: the dead-letter queue (retry one, retry all, discard). */
import { render } from 'preact';
import { openDatabase } from '../store/database.ts';
import type { DownloadState } from '../domain/download.ts';
import { useLive } from '../ui/live.ts';
import { fileNameOf, formatWhen } from '../ui/format.ts';
import { sendToWorker } from '../platform/messaging.ts';
import { useState } from 'preact/hooks';

const db = openDatabase();

function Options() {
  const deadLetters = useLive(
    async () => (await db.downloads.where('phase').equals('dead-lettered').toArray()).filter((row) => !row.discarded).sort((a, b) => b.updatedAt - a.updatedAt),
    [],
  );
  const [notice, setNotice] = useState<string | null>(null);
  const act = async (request: Parameters<typeof sendToWorker>[0]) => {
    const response = await sendToWorker(request).catch((error: unknown) => ({ ok: false as const, error: String(error) }));
    setNotice(response.ok ? null : response.error);
  };
  return (
    <main>
      <h1>Semantest</h1>
      <section aria-labelledby="dlq-title">
        <h2 id="dlq-title">
          Downloads waiting for you
          <button type="button" data-testid="retry-all-button" onClick={() => void act({ type: 'download.retryAllDeadLetters' })}>
            Retry all
          </button>
        </h2>
        <p class="muted">These downloads failed after every automatic retry. Retry them when the site is back, or discard them.</p>
        {notice && <p class="error" role="alert">{notice}</p>}
        {deadLetters.status === 'error' && <p class="error" role="alert">The queue could not be read: {deadLetters.error}</p>}
        {deadLetters.status === 'ready' &&
          (deadLetters.value.length === 0 ? (
            <p class="empty">Nothing is waiting. Downloads that keep failing will appear here.</p>
          ) : (
            <table>
              <thead>
                <tr>
                  <th scope="col">Image</th>
                  <th scope="col">Error</th>
                  <th scope="col">Attempts</th>
                  <th scope="col">When</th>
                  <th scope="col"><span class="muted">Actions</span></th>
                </tr>
              </thead>
              <tbody>
                {deadLetters.value.map((row) => (
                  <DeadLetterItem key={row.streamId} row={row} act={act} />
                ))}
              </tbody>
            </table>
          ))}
      </section>
    </main>
  );
}

function DeadLetterItem({ row, act }: { row: DownloadState; act: (request: Parameters<typeof sendToWorker>[0]) => Promise<void> }) {
  return (
    <tr data-testid="dead-letter-item" data-stream-id={row.streamId}>
      <td>
        <div>{fileNameOf(row)}</div>
        <div class="url muted" title={row.request.imageUrl}>{row.request.imageUrl}</div>
      </td>
      <td>{row.error}</td>
      <td>{row.attempt}</td>
      <td>{formatWhen(row.updatedAt)}</td>
      <td class="actions">
        <button type="button" data-testid="retry-button" onClick={() => void act({ type: 'download.retry', streamIds: [row.streamId] })}>
          Retry
        </button>
        <button type="button" data-testid="discard-button" onClick={() => void act({ type: 'download.discard', streamIds: [row.streamId] })}>
          Discard
        </button>
      </td>
    </tr>
  );
}

const root = document.getElementById('app');
if (root) render(<Options />, root);
