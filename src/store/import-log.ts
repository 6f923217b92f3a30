/**
 * The NDJSON import: another log's downloads come in as history (docs/decisions/0020-imports-are-history.md).
 *
 * - Every event written carries `metadata.imported = { at }` (whatever the file said), and only the ids, the
 *   batch size and that mark of its metadata: nothing of this extension acts on, tells of, or sends such a stream.
 * - Each line passes the schema of its type and version, then the saga's own rules for file names, addresses and
 *   text (src/domain/imported-events.ts); what fails is refused with its line number. A version newer than this
 *   Semantest knows cannot be checked, so it is refused too.
 * - An import never adds to a download of this browser: the file is read twice, and when the first reading finds
 *   an event for such a stream the whole file is refused in words and nothing is written. (A stream that is
 *   itself imported history may be continued: an import cut off half-way can be run again.)
 * - The second reading writes in batches, one transaction each (memory bounded by the batch, not the file), each
 *   batch's events and their read-model rows together; idempotent by `eventId`, gap-free per stream.
 */
import type { StoredEvent } from '../domain/events.ts';
import { idProblem, importRefusal, withoutLargeInlineThumbnail } from '../domain/imported-events.ts';
import { upcast } from '../domain/upcasters.ts';
import type { DownloadRow, SemantestDb } from './database.ts';
import type { InlineProjection } from './event-store.ts';
import { linesOfStream, linesOfText, parseLine, type NdjsonSource, type ParsedEvent, type Refusal } from './event-log-io.ts';

export interface ImportReport {
  taken: number;
  /** Already in the log (same eventId): skipped, which makes a second import of one file a no-op. */
  alreadyThere: number;
  refused: Refusal[];
  /** Set when the whole file was refused and nothing written: why, in words. */
  refusedWhole?: string;
}

export interface ImportOptions {
  /** The downloads read model the store keeps (projections/downloads.ts): imported rows are folded by it too. */
  projection: InlineProjection<DownloadRow>;
  /** The importer's clock: the `imported.at` stamp, and the limit for events dated in the future. */
  now: number;
  /** Valid events written per transaction (memory is bounded by this, not by the file). */
  batchSize?: number;
  /** Bytes read so far in the current reading (for a streamed source). */
  onProgress?: (bytes: number, reading: 'check' | 'write') => void;
  /** At most this many refusals are listed one by one; the rest are counted in one last entry. */
  maxListedRefusals?: number;
  /** Runs each batch's transaction between the store's own appends (the worker's single writer). */
  exclusive?: <T>(work: () => Promise<T>) => Promise<T>;
}

/** A text or a Blob can be read twice; a stream needs a function that opens it again. */
export type ImportSource = string | Blob | (() => NdjsonSource);

type Verdict = { event: ParsedEvent } | { refused: string } | null;

/** One line as the import takes it: parsed, checked, its metadata replaced and its request trimmed. Never throws. */
export function importLine(raw: string, line: number, now: number): Verdict {
  const parsed = parseLine(raw, line, {});
  if (!parsed || 'refused' in parsed) return parsed;
  const event = parsed.event;
  const idIssue = idProblem('eventId', event.eventId) ?? idProblem('streamId', event.streamId) ?? idProblem('correlationId', event.correlationId) ?? idProblem('causationId', event.causationId);
  if (idIssue) return { refused: idIssue };
  let current: StoredEvent;
  try {
    current = upcast({ ...event, position: 0 } as StoredEvent);
  } catch (error) {
    return { refused: error instanceof Error ? error.message : String(error) };
  }
  const refusal = importRefusal({ type: current.type, data: current.data, createdAt: event.createdAt }, now);
  if (refusal) return { refused: refusal };
  const batchSize = event.metadata.batchSize;
  const metadata: StoredEvent['metadata'] = {
    correlationId: event.correlationId,
    causationId: event.causationId,
    ...(typeof batchSize === 'number' && Number.isInteger(batchSize) && batchSize > 0 && batchSize <= 1000 ? { batchSize } : {}),
    imported: { at: now },
  };
  return { event: { ...event, metadata, data: trimRequest(event) } };
}

/** A request's inline thumbnail over the limit is dropped, wherever its schema version keeps it. */
function trimRequest(event: ParsedEvent): ParsedEvent['data'] {
  if (event.type !== 'GoogleImageDownloadRequested') return event.data;
  const data = event.data as Record<string, unknown>;
  if (event.schemaVersion === 1 && typeof data.metadata === 'object' && data.metadata !== null) {
    return { ...data, metadata: withoutLargeInlineThumbnail(data.metadata as { thumbnailUrl?: string }) } as unknown as ParsedEvent['data'];
  }
  return withoutLargeInlineThumbnail(data as { thumbnailUrl?: string }) as ParsedEvent['data'];
}

function linesOf(source: ImportSource, onBytes?: (bytes: number) => void): AsyncIterable<string> | Iterable<string> {
  if (typeof source === 'string') return linesOfText(source);
  return linesOfStream(typeof source === 'function' ? (source() as Exclude<NdjsonSource, string>) : source, onBytes);
}

/** Reads the file once, handing valid events to `flush` in batches; refusals go to `refuse`. */
async function read(
  source: ImportSource,
  options: ImportOptions,
  reading: 'check' | 'write',
  flush: (batch: ParsedEvent[]) => Promise<void>,
  refuse: (refusal: Refusal) => void,
): Promise<void> {
  const batchSize = options.batchSize ?? 2000;
  let batch: ParsedEvent[] = [];
  let line = 0;
  for await (const raw of linesOf(source, (bytes) => options.onProgress?.(bytes, reading))) {
    line += 1;
    const verdict = importLine(raw, line, options.now);
    if (!verdict) continue;
    if ('refused' in verdict) {
      refuse({ line, reason: verdict.refused });
      continue;
    }
    batch.push(verdict.event);
    if (batch.length >= batchSize) {
      const full = batch;
      batch = [];
      await flush(full);
    }
  }
  if (batch.length > 0) await flush(batch);
}

/** How a stream named by the file stands in this log: not there, imported history, or one of this browser's. */
type StreamStanding = 'new' | 'imported' | 'own';

async function standings(db: SemantestDb, streamIds: string[]): Promise<Map<string, StreamStanding>> {
  const [streams, rows] = await Promise.all([db.streams.bulkGet(streamIds), db.downloads.bulkGet(streamIds)]);
  return new Map(streamIds.map((id, i) => [id, !streams[i] || streams[i].currentVersion === 0 ? 'new' : rows[i]?.imported === true ? 'imported' : 'own']));
}

const ownStreamReason = (streamId: string): string => `names ${streamId}, a download of this browser: an import never adds to one`;

/**
 * Imports an NDJSON log as history (see the file's header). Returns what was taken, found already there, and
 * refused line by line; or, when the file names a download of this browser, `refusedWhole` and nothing written.
 */
export async function importNdjson(db: SemantestDb, source: ImportSource, options: ImportOptions): Promise<ImportReport> {
  const maxListed = options.maxListedRefusals ?? 10_000;
  if (typeof source !== 'string' && typeof source !== 'function' && !(typeof Blob !== 'undefined' && source instanceof Blob)) {
    throw new Error('The import reads the file twice: give it a text, a Blob, or a function that opens the file again.');
  }
  // First reading: nothing is written; only whether the file names a download of this browser.
  const known = new Map<string, StreamStanding>();
  const clashes: Refusal[] = [];
  await read(
    source,
    options,
    'check',
    async (batch) => {
      const present = new Set((await db.events.where('eventId').anyOf(batch.map((event) => event.eventId)).keys()) as string[]);
      const fresh = batch.filter((event) => !present.has(event.eventId));
      const unknown = [...new Set(fresh.map((event) => event.streamId))].filter((id) => !known.has(id));
      if (unknown.length > 0) for (const [id, standing] of await standings(db, unknown)) known.set(id, standing);
      for (const event of fresh) if (known.get(event.streamId) === 'own' && clashes.length < maxListed) clashes.push({ line: event.line, reason: ownStreamReason(event.streamId) });
    },
    () => undefined,
  );
  if (clashes.length > 0) {
    const first = clashes[0] as Refusal;
    return {
      taken: 0,
      alreadyThere: 0,
      refused: clashes,
      refusedWhole: `Nothing was imported: line ${first.line} ${first.reason}. Events of ${clashes.length === 1 ? 'that download' : `${clashes.length} such events`} cannot come from another log.`,
    };
  }

  // Second reading: write, batch by batch.
  const refused: Refusal[] = [];
  let unlisted = 0;
  let firstUnlisted = 0;
  const refuse = (refusal: Refusal): void => {
    if (refused.length < maxListed) refused.push(refusal);
    else if (unlisted++ === 0) firstUnlisted = refusal.line;
  };
  const totals = { taken: 0, alreadyThere: 0 };
  const run = options.exclusive ?? (<T>(work: () => Promise<T>) => work());
  await read(
    source,
    options,
    'write',
    async (batch) => {
      const result = await run(() => importBatch(db, batch, options.now, options.projection));
      totals.taken += result.taken;
      totals.alreadyThere += result.alreadyThere;
      result.refused.forEach(refuse);
    },
    refuse,
  );
  refused.sort((a, b) => a.line - b.line);
  if (unlisted > 0) refused.push({ line: firstUnlisted, reason: `and ${unlisted} more refused lines (not listed)` });
  return { taken: totals.taken, alreadyThere: totals.alreadyThere, refused };
}

/** One batch in one transaction: idempotent by eventId, gap-free per stream, its read-model rows with it. */
async function importBatch(db: SemantestDb, events: ParsedEvent[], now: number, projection: InlineProjection<DownloadRow>): Promise<Omit<ImportReport, 'refusedWhole'>> {
  const refused: Refusal[] = [];
  const ordered = [...events].sort((a, b) => (a.position ?? a.line) - (b.position ?? b.line) || a.line - b.line);
  let alreadyThere = 0;
  let taken = 0;
  await db.transaction('rw', [db.events, db.streams, db.downloads], async () => {
    const existing = new Set((await db.events.where('eventId').anyOf(ordered.map((event) => event.eventId)).keys()) as string[]);
    const streamIds = [...new Set(ordered.map((event) => event.streamId))];
    const [streams, current] = await Promise.all([db.streams.bulkGet(streamIds), db.downloads.bulkGet(streamIds)]);
    const versions = new Map(streamIds.map((id, i) => [id, streams[i]?.currentVersion ?? 0]));
    const own = new Set(streamIds.filter((id, i) => (streams[i]?.currentVersion ?? 0) > 0 && current[i]?.imported !== true));
    const rows = new Map<string, DownloadRow | undefined>(streamIds.map((id, i) => [id, current[i]]));
    const written: Omit<StoredEvent, 'position'>[] = [];
    const touched = new Set<string>();
    for (const event of ordered) {
      if (existing.has(event.eventId)) {
        alreadyThere += 1;
        continue;
      }
      // Checked again here: a stream this browser started since the first reading is still never added to.
      if (own.has(event.streamId)) {
        refused.push({ line: event.line, reason: ownStreamReason(event.streamId) });
        continue;
      }
      const version = versions.get(event.streamId) ?? 0;
      if (event.version !== version + 1) {
        refused.push({
          line: event.line,
          reason: event.version <= version ? `version ${event.version} of stream ${event.streamId} holds another event` : `stream ${event.streamId} would have a gap before version ${event.version}`,
        });
        continue;
      }
      if (event.version === 1 && event.type !== 'GoogleImageDownloadRequested') {
        refused.push({ line: event.line, reason: `a download's stream starts with GoogleImageDownloadRequested, not ${event.type}` });
        continue;
      }
      existing.add(event.eventId);
      versions.set(event.streamId, event.version);
      touched.add(event.streamId);
      const { line: _line, position: _position, ...row } = event;
      written.push(row);
      projection.project(rows, row as StoredEvent);
      taken += 1;
    }
    if (written.length === 0) return;
    await db.events.bulkAdd(written as StoredEvent[]);
    const before = new Map(streamIds.map((id, i) => [id, current[i]]));
    await db.streams.bulkPut(
      [...touched].map((streamId) => ({
        streamId,
        aggregateType: 'Download',
        currentVersion: versions.get(streamId) ?? 0,
        // When it changed in this log (the popup follows changes by it), not when the other log wrote it.
        lastUpdated: now,
      })),
    );
    const changed = [...touched].map((id) => rows.get(id)).filter((row): row is DownloadRow => row !== undefined && row !== before.get(row.streamId));
    if (changed.length > 0) await db.downloads.bulkPut(changed);
  });
  return { taken, alreadyThere, refused };
}
