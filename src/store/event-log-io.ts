/**
 * The event log as NDJSON: one stored event per line, its `schemaVersion` kept as written (old events stay old;
 * they are upcast when read). Import validates every line against the zod schema of its type at its version,
 * is idempotent by `eventId`, keeps each stream's versions gap-free, and reports what it took and refused.
 */
import { z } from 'zod';
import { eventSchemas, isEventType, type StoredEvent } from '../domain/events.ts';
import type { SemantestDb } from './database.ts';

export function toNdjsonLine(event: StoredEvent): string {
  return JSON.stringify(event);
}

/** Writes the log in position order, a page at a time; `onProgress` gets the count so far. */
export async function exportNdjson(db: SemantestDb, onProgress?: (count: number) => void, pageSize = 1000): Promise<string[]> {
  const chunks: string[] = [];
  let after = 0;
  let count = 0;
  for (;;) {
    const page = await db.events.where('position').above(after).limit(pageSize).toArray();
    if (page.length === 0) break;
    chunks.push(`${page.map(toNdjsonLine).join('\n')}\n`);
    count += page.length;
    after = (page[page.length - 1] as StoredEvent).position;
    onProgress?.(count);
  }
  return chunks;
}

const Envelope = z.object({
  position: z.number().int().positive().optional(),
  eventId: z.string().min(1).max(100),
  streamId: z.string().min(1).max(100),
  version: z.number().int().positive(),
  type: z.string(),
  schemaVersion: z.number().int().positive(),
  data: z.unknown(),
  metadata: z.looseObject({ correlationId: z.string().min(1), causationId: z.string().min(1) }),
  correlationId: z.string().min(1),
  causationId: z.string().min(1),
  createdAt: z.number().nonnegative(),
});

export interface Refusal {
  /** 1-based line of the file. */
  line: number;
  reason: string;
}

export interface ParsedLog {
  events: (Omit<StoredEvent, 'position'> & { line: number; position?: number })[];
  refused: Refusal[];
}

/** Parses and validates NDJSON text; blank lines are skipped. Pure: no database. */
export function parseNdjson(text: string): ParsedLog {
  const events: ParsedLog['events'] = [];
  const refused: Refusal[] = [];
  const lines = text.split(/\r?\n/);
  lines.forEach((raw, index) => {
    const line = index + 1;
    if (!raw.trim()) return;
    let json: unknown;
    try {
      json = JSON.parse(raw);
    } catch {
      refused.push({ line, reason: 'not valid JSON' });
      return;
    }
    const envelope = Envelope.safeParse(json);
    if (!envelope.success) {
      const issue = envelope.error.issues[0];
      refused.push({ line, reason: `not a stored event (${issue ? `${issue.path.join('.') || 'row'}: ${issue.message}` : 'invalid'})` });
      return;
    }
    const event = envelope.data;
    if (!isEventType(event.type)) {
      refused.push({ line, reason: `unknown event type ${event.type}` });
      return;
    }
    const schema = (eventSchemas[event.type] as Record<number, z.ZodType | undefined>)[event.schemaVersion];
    if (!schema) {
      refused.push({ line, reason: `${event.type} has no schema version ${event.schemaVersion} in this version of Semantest` });
      return;
    }
    const data = schema.safeParse(event.data);
    if (!data.success) {
      const issue = data.error.issues[0];
      refused.push({ line, reason: `${event.type} v${event.schemaVersion}: ${issue ? `${issue.path.join('.') || 'data'}: ${issue.message}` : 'invalid data'}` });
      return;
    }
    if (event.metadata.correlationId !== event.correlationId || event.metadata.causationId !== event.causationId) {
      refused.push({ line, reason: 'metadata and the row disagree on correlation or causation id' });
      return;
    }
    // The row as written, payload included (not the parsed copy: zod would drop fields an old version kept).
    events.push({ ...event, type: event.type, metadata: event.metadata as StoredEvent['metadata'], data: event.data as StoredEvent['data'], line });
  });
  return { events, refused };
}

export interface ImportReport {
  taken: number;
  /** Already in the log (same eventId): skipped, which makes a second import of one file a no-op. */
  alreadyThere: number;
  refused: Refusal[];
}

/**
 * Appends the valid events that are not there yet, in their original order, each at the next version of its
 * stream, in one transaction. The read models are not touched: call `rebuildDownloads` after.
 */
export async function importNdjson(db: SemantestDb, text: string): Promise<ImportReport> {
  const parsed = parseNdjson(text);
  const refused = [...parsed.refused];
  const ordered = [...parsed.events].sort((a, b) => (a.position ?? a.line) - (b.position ?? b.line) || a.line - b.line);
  const seenInFile = new Set<string>();
  let alreadyThere = 0;
  let taken = 0;
  await db.transaction('rw', [db.events, db.streams], async () => {
    const existing = new Set((await db.events.where('eventId').anyOf(ordered.map((event) => event.eventId)).toArray()).map((event) => event.eventId));
    const versions = new Map<string, number>();
    const streamVersion = async (streamId: string): Promise<number> => {
      const known = versions.get(streamId);
      if (known !== undefined) return known;
      const row = await db.streams.get(streamId);
      const version = row?.currentVersion ?? 0;
      versions.set(streamId, version);
      return version;
    };
    const rows: Omit<StoredEvent, 'position'>[] = [];
    const aggregateTypes = new Map<string, string>();
    for (const event of ordered) {
      if (existing.has(event.eventId) || seenInFile.has(event.eventId)) {
        alreadyThere += 1;
        continue;
      }
      const current = await streamVersion(event.streamId);
      if (event.version !== current + 1) {
        refused.push({
          line: event.line,
          reason: event.version <= current ? `version ${event.version} of stream ${event.streamId} holds another event` : `stream ${event.streamId} would have a gap before version ${event.version}`,
        });
        continue;
      }
      seenInFile.add(event.eventId);
      versions.set(event.streamId, event.version);
      aggregateTypes.set(event.streamId, event.type === 'DeadLetterDiscarded' ? 'DeadLetterQueue' : 'Download');
      const { line: _line, position: _position, ...row } = event;
      rows.push(row);
      taken += 1;
    }
    if (rows.length === 0) return;
    await db.events.bulkAdd(rows as StoredEvent[]);
    const now = Math.max(...rows.map((row) => row.createdAt));
    for (const [streamId, version] of versions) {
      if (!aggregateTypes.has(streamId)) continue;
      const stream = await db.streams.get(streamId);
      await db.streams.put({
        streamId,
        aggregateType: stream?.aggregateType ?? aggregateTypes.get(streamId) ?? 'Download',
        currentVersion: version,
        lastUpdated: Math.max(stream?.lastUpdated ?? 0, now),
      });
    }
  });
  refused.sort((a, b) => a.line - b.line);
  return { taken, alreadyThere, refused };
}
