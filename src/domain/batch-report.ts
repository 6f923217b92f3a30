/**
 * The batch report (docs/decisions/0047-batch-report.md): what became of each image of one batch — saved, already
 * saved (a duplicate), failed with its reason, or still going — and how many results the page skipped as too
 * small. Pure: the batch's row joined with its downloads' rows; CSV and JSON for the export.
 */
import type { DownloadState } from './download.ts';

/** The batch's record, as the read model keeps it (store/database.ts BatchRow). */
export interface BatchRecord {
  batchId: string;
  requestedAt: number;
  size: number;
  streamIds: readonly string[];
  alreadySaved: readonly string[];
  folder: string | null;
  skippedSmaller: number;
}

export type BatchOutcome = 'saved' | 'duplicate' | 'failed' | 'running';

export interface BatchLine {
  streamId: string;
  outcome: BatchOutcome;
  imageUrl: string;
  file: string | null;
  reason: string | null;
}

export interface BatchReport {
  batchId: string;
  requestedAt: number;
  folder: string | null;
  counts: { requested: number; saved: number; duplicates: number; skippedSmaller: number; failed: number; running: number };
  /** Failures grouped by reason, most frequent first. */
  reasons: { reason: string; count: number }[];
  lines: BatchLine[];
}

function outcomeOf(row: DownloadState, alreadySaved: boolean): BatchOutcome {
  if (row.phase === 'completed') return alreadySaved || row.duplicateOf ? 'duplicate' : 'saved';
  if (row.phase === 'failed' || row.phase === 'dead-lettered') return 'failed';
  return 'running';
}

/** The report of `batch`, from its downloads' rows (a download forgotten since is left out). */
export function batchReport(batch: BatchRecord, rows: ReadonlyMap<string, DownloadState>): BatchReport {
  const lines: BatchLine[] = [];
  const already = new Set(batch.alreadySaved);
  for (const streamId of new Set(batch.streamIds)) {
    const row = rows.get(streamId);
    if (!row) continue;
    const outcome = outcomeOf(row, already.has(streamId));
    lines.push({ streamId, outcome, imageUrl: row.request.imageUrl, file: row.filePath ?? row.filename, reason: outcome === 'failed' ? (row.error ?? 'Failed.') : null });
  }
  const count = (outcome: BatchOutcome): number => lines.filter((line) => line.outcome === outcome).length;
  const byReason = new Map<string, number>();
  for (const line of lines) if (line.reason) byReason.set(line.reason, (byReason.get(line.reason) ?? 0) + 1);
  return {
    batchId: batch.batchId,
    requestedAt: batch.requestedAt,
    folder: batch.folder,
    counts: { requested: batch.size, saved: count('saved'), duplicates: count('duplicate'), skippedSmaller: batch.skippedSmaller, failed: count('failed'), running: count('running') },
    reasons: [...byReason].map(([reason, n]) => ({ reason, count: n })).sort((a, b) => b.count - a.count),
    lines,
  };
}

/** A CSV field: quoted, quotes doubled; a leading = + - @ is defused so a spreadsheet never runs it as a formula. */
function csvField(value: string | number | null): string {
  const text = value === null ? '' : String(value);
  const safe = /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
  return `"${safe.replace(/"/g, '""')}"`;
}

/** One line per image (outcome, file, address, reason), then the skipped count as its own line. */
export function batchCsv(report: BatchReport): string {
  const rows: Array<Array<string | number | null>> = [['outcome', 'file', 'imageUrl', 'reason']];
  for (const line of report.lines) rows.push([line.outcome, line.file, line.imageUrl, line.reason]);
  if (report.counts.skippedSmaller > 0) rows.push(['skipped-smaller', null, null, `${report.counts.skippedSmaller} results smaller than the size filter`]);
  return rows.map((row) => row.map(csvField).join(',')).join('\r\n') + '\r\n';
}

export function batchJson(report: BatchReport): string {
  return JSON.stringify({ ...report, requestedAt: new Date(report.requestedAt).toISOString() }, null, 2);
}
