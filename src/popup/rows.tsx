/** One download in the popup: the history row (with live progress and actions) and the failures-view row. */
import type { DownloadState } from '../domain/download.ts';
import { isSettled, publicStatus } from '../domain/download-status.ts';
import type { WorkerRequest } from '../shared/protocol.ts';
import { fileNameOf, formatBytes, formatDuration, formatWhen } from '../ui/format.ts';
import { adviceFor, formatSpeed } from '../ui/history-filter.ts';
import type { ProgressItem } from '../ui/progress.ts';
import { t } from '../platform/i18n.ts';

/** Sends a request to the worker; `done` is what to tell the user when it worked (nothing when omitted). */
export type Act = (request: WorkerRequest, done?: string) => Promise<void>;

const dimensionsOf = (row: DownloadState): string => (row.request.width && row.request.height ? `${row.request.width}×${row.request.height}` : '');

function Thumb({ row }: { row: DownloadState }) {
  return row.request.thumbnailUrl ? <img class="thumb" src={row.request.thumbnailUrl} alt="" loading="lazy" /> : <span class="thumb" aria-hidden="true" />;
}

function IconButton({ label, onClick, testid, children }: { label: string; onClick: () => void; testid: string; children: string }) {
  return (
    <button type="button" class="icon" aria-label={label} title={label} data-testid={testid} onClick={onClick}>
      {children}
    </button>
  );
}

export function HistoryRow({
  row,
  now,
  progress,
  act,
  copy,
}: {
  row: DownloadState;
  now: number;
  progress: ProgressItem | undefined;
  act: Act;
  copy: (text: string) => Promise<void>;
}) {
  const status = publicStatus(row.phase);
  const name = fileNameOf(row);
  const meta = [formatBytes(row.fileSize), dimensionsOf(row), row.sourceHost, formatWhen(row.requestedAt, now), formatDuration(row.durationMs)].filter(Boolean);
  // An imported download is history from another log: shown, never acted on (nothing here starts it again).
  const imported = row.imported === true;
  const running = !imported && (status === 'downloading' || status === 'paused');
  const failed = !imported && (status === 'failed' || status === 'dead-lettered');
  const streamId = row.streamId;
  const label = imported ? (isSettled(row) ? `${t('importedWord')} · ${t(`status_${status.replace('-', '_')}`)}` : t('importedNotResumed')) : t(`status_${status.replace('-', '_')}`);
  return (
    <div class="item" data-testid="history-item" data-status={status} data-stream-id={streamId} data-imported={imported ? 'true' : undefined} title={row.filePath ?? name}>
      <Thumb row={row} />
      <div class="body">
        <div class="name">{name}</div>
        <div class="meta">{meta.join(' · ')}</div>
        {running && <Progress item={progress} paused={status === 'paused'} />}
        {(failed || row.phase === 'retry-wait') && row.error && (
          <div class="reason" data-testid="history-reason">
            {row.phase === 'retry-wait' ? `${t('retrying')} ` : ''}
            {row.error}
          </div>
        )}
      </div>
      <div class="side">
        <span class={`status status-${status}`} data-testid="history-status">
          {label}
        </span>
        <div class="actions">
          {!imported && status === 'downloading' && (
            <IconButton label={t('pauseNamed', name)} testid="pause-button" onClick={() => void act({ type: 'download.pause', streamId })}>
              {t('pause')}
            </IconButton>
          )}
          {!imported && status === 'paused' && (
            <IconButton label={t('resumeNamed', name)} testid="resume-button" onClick={() => void act({ type: 'download.resume', streamId })}>
              {t('resume')}
            </IconButton>
          )}
          {!imported && (status === 'queued' || running) && (
            <IconButton label={t('cancelNamed', name)} testid="cancel-button" onClick={() => void act({ type: 'download.cancel', streamId })}>
              {t('cancel')}
            </IconButton>
          )}
          {!imported && status === 'completed' && (
            <IconButton label={t('showNamed', name)} testid="show-button" onClick={() => void act({ type: 'download.show', streamId })}>
              {t('show')}
            </IconButton>
          )}
          {failed && (
            <IconButton label={t('retryNamed', name)} testid="retry-button" onClick={() => void act({ type: 'download.retry', streamIds: [streamId] }, t('retryStarted'))}>
              {t('retry')}
            </IconButton>
          )}
          <IconButton label={t('copyLinkNamed', name)} testid="copy-link-button" onClick={() => void copy(row.request.imageUrl)}>
            {t('copyLink')}
          </IconButton>
          {(imported || isSettled(row)) && (
            <IconButton label={t('forgetNamed', name)} testid="forget-button" onClick={() => void act({ type: 'history.forget', streamIds: [streamId], deleteFiles: false }, t('forgetDone'))}>
              {t('forget')}
            </IconButton>
          )}
        </div>
      </div>
    </div>
  );
}

function Progress({ item, paused }: { item: ProgressItem | undefined; paused: boolean }) {
  const known = item !== undefined && item.totalBytes > 0;
  const percent = known ? Math.min(100, Math.round((item.bytesReceived / item.totalBytes) * 100)) : null;
  const speed = item && !paused ? formatSpeed(item.bytesPerSecond) : '';
  const text = [
    percent !== null ? `${percent} %` : '',
    item ? `${formatBytes(item.bytesReceived)}${known ? ` / ${formatBytes(item.totalBytes)}` : ''}` : '',
    paused ? t('pausedWord') : speed,
  ]
    .filter(Boolean)
    .join(' · ');
  return (
    <div class="progress" data-testid="progress">
      <progress max={100} value={percent ?? undefined} aria-label={t('progressLabel')} />
      <span class="progress-text">{text || t('starting')}</span>
    </div>
  );
}

export function FailureRow({
  row,
  now,
  act,
  copy,
  offerThumbnail,
}: {
  row: DownloadState;
  now: number;
  act: Act;
  copy: (text: string) => Promise<void>;
  offerThumbnail: boolean;
}) {
  const status = publicStatus(row.phase);
  const name = fileNameOf(row);
  const source = row.request.sourcePageUrl;
  const thumbnail = row.request.thumbnailUrl;
  const canUseThumbnail = offerThumbnail && !!thumbnail && /^https?:/i.test(thumbnail) && thumbnail.length <= 8192 && row.request.strategy !== 'thumbnail';
  return (
    <div class="item failure" data-testid="failure-item" data-status={status} data-stream-id={row.streamId} title={name}>
      <Thumb row={row} />
      <div class="body">
        <div class="name">{name}</div>
        <div class="reason" data-testid="failure-reason">
          {row.error ?? t('unknownFailure')}
        </div>
        <div class="meta">
          {t('attempts', String(row.attempt))} · {formatWhen(row.updatedAt, now)} · {status === 'dead-lettered' ? t('status_dead_lettered') : t('status_failed')}
        </div>
        <div class="advice">{t(`advice_${adviceFor(row).replace('-', '_')}`)}</div>
        <div class="actions inline">
          <button type="button" data-testid="retry-button" onClick={() => void act({ type: 'download.retry', streamIds: [row.streamId] }, t('retryStarted'))}>
            {t('retry')}
          </button>
          {source && (
            <a class="button" href={source} target="_blank" rel="noreferrer" data-testid="source-link">
              {t('openSource')}
            </a>
          )}
          {canUseThumbnail && (
            <button
              type="button"
              data-testid="thumbnail-button"
              onClick={() =>
                void act(
                  {
                    type: 'download.request',
                    commandId: crypto.randomUUID(),
                    image: {
                      imageUrl: thumbnail,
                      strategy: 'thumbnail',
                      ...(row.request.title ? { title: row.request.title } : {}),
                      ...(source ? { sourcePageUrl: source } : {}),
                      ...(row.request.query ? { query: row.request.query } : {}),
                    },
                  },
                  t('thumbnailStarted'),
                )
              }
            >
              {t('useThumbnail')}
            </button>
          )}
          <button type="button" onClick={() => void copy(row.request.imageUrl)}>
            {t('copyLink')}
          </button>
        </div>
      </div>
    </div>
  );
}
