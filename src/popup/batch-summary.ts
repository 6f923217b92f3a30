/**
 * Bulk select's progress in the popup: the latest batch (downloads requested by one "Download N selected", so
 * sharing one correlation id) as "N of M saved", with how many are still going or failed. A single click is not
 * a batch and shows nothing (view.tsx draws it).
 */
import type { DownloadState } from '../domain/download.ts';
import { isSettled } from '../domain/download-status.ts';

export interface BatchSummary {
  correlationId: string;
  size: number;
  saved: number;
  failed: number;
  running: number;
}

/** The newest batch among the rows (two or more downloads of one user action), or null. Pure. */
export function latestBatch(rows: readonly DownloadState[]): BatchSummary | null {
  const groups = new Map<string, DownloadState[]>();
  let newest: { id: string; at: number } | null = null;
  for (const row of rows) {
    const group = groups.get(row.correlationId);
    if (group) group.push(row);
    else groups.set(row.correlationId, [row]);
  }
  for (const [id, group] of groups) {
    if (group.length < 2) continue;
    const at = Math.max(...group.map((row) => row.requestedAt));
    if (!newest || at > newest.at) newest = { id, at };
  }
  if (!newest) return null;
  const group = groups.get(newest.id) ?? [];
  const summary: BatchSummary = { correlationId: newest.id, size: group.length, saved: 0, failed: 0, running: 0 };
  for (const row of group) {
    if (row.phase === 'completed') summary.saved += 1;
    else if (isSettled(row)) summary.failed += 1;
    else summary.running += 1;
  }
  return summary;
}
