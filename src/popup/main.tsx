/** The popup: the download history, newest first, live from the downloads read model. */
import { render } from 'preact';
import { openDatabase } from '../store/database.ts';
import { publicStatus, type DownloadState } from '../domain/download.ts';
import { useLive } from '../ui/live.ts';
import { fileNameOf, formatBytes, formatDuration, formatWhen } from '../ui/format.ts';
import { sendToWorker } from '../platform/messaging.ts';

const db = openDatabase();
const HISTORY_LIMIT = 500;

function Popup() {
  const history = useLive(() => db.downloads.orderBy('requestedAt').reverse().limit(HISTORY_LIMIT).toArray(), []);
  return (
    <main>
      <header>
        <h1>Semantest</h1>
        <a href="../options/index.html" target="_blank" rel="noreferrer">
          Options
        </a>
      </header>
      {history.status === 'loading' && <p class="empty">Loading…</p>}
      {history.status === 'error' && <p class="error" role="alert">The history could not be read: {history.error}</p>}
      {history.status === 'ready' &&
        (history.value.length === 0 ? (
          <p class="empty">
            No downloads yet. On Google Images, hover a result and click its download button to save the original image.
          </p>
        ) : (
          <ul aria-label="Download history">
            {history.value.map((row) => (
              <HistoryItem key={row.streamId} row={row} />
            ))}
          </ul>
        ))}
    </main>
  );
}

function HistoryItem({ row }: { row: DownloadState }) {
  const status = publicStatus(row.phase);
  const name = fileNameOf(row);
  const dims = row.request.width && row.request.height ? `${row.request.width}×${row.request.height}` : '';
  const meta = [formatBytes(row.fileSize), dims, row.sourceHost, formatWhen(row.requestedAt), formatDuration(row.durationMs)].filter(Boolean);
  return (
    <li data-testid="history-item" data-status={status} data-stream-id={row.streamId} title={row.filePath ?? name}>
      {row.request.thumbnailUrl ? <img class="thumb" src={row.request.thumbnailUrl} alt="" /> : <span class="thumb" />}
      <div>
        <div class="name">{name}</div>
        <div class="meta">{meta.join(' · ')}</div>
        {(status === 'failed' || status === 'dead-lettered' || row.phase === 'retry-wait') && row.error && (
          <div class="reason">
            {row.phase === 'retry-wait' ? 'Retrying: ' : ''}
            {row.error}
          </div>
        )}
      </div>
      <div class="actions">
        <span class={`status status-${status}`}>{status.replace('-', ' ')}</span>
        {(status === 'failed' || status === 'dead-lettered') && (
          <button type="button" onClick={() => void sendToWorker({ type: 'download.retry', streamIds: [row.streamId] })}>
            Retry
          </button>
        )}
      </div>
    </li>
  );
}

const root = document.getElementById('app');
if (root) render(<Popup />, root);
