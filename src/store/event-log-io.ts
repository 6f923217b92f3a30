/**
 * The event log as NDJSON: one stored event per line, its `schemaVersion` kept as written (old events stay old;
 * they are upcast when read). Export writes it; `parseLine` checks one line against the zod schema of its type at
 * its version; the lines of a text or of a stream of chunks are split here (BOM and CRLF tolerated, a line too
 * long refused unread). The import itself is src/store/import-log.ts.
 */
import { z } from 'zod';
import { CURRENT_SCHEMA_VERSION, eventSchemas, isEventType, type StoredEvent } from '../domain/events.ts';
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

export type ParsedEvent = Omit<StoredEvent, 'position'> & { line: number; position?: number };

export interface ParsedLog {
  events: ParsedEvent[];
  refused: Refusal[];
  /** With `keepFuture`: lines kept although this version cannot read them (their events are in `events`). */
  future?: Refusal[];
}

export interface ParseOptions {
  /** Keep events of a known type at a newer schema version (as written) instead of refusing them. */
  keepFuture?: boolean;
}

/** Longer lines are refused unread: a thumbnail (≤ 2,000,000 characters) and its event fit with room to spare. */
export const MAX_LINE_LENGTH = 4 * 1_048_576;

export type LineVerdict = { event: ParsedEvent; future?: string } | { refused: string } | null;

/** One line of the file: an event, a refusal, or nothing (blank). Never throws. */
export function parseLine(raw: string, line: number, options: ParseOptions): LineVerdict {
  if (raw.length > MAX_LINE_LENGTH) return { refused: `line longer than ${MAX_LINE_LENGTH} characters` };
  if (!raw.trim()) return null;
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    return { refused: 'not valid JSON' };
  }
  const envelope = Envelope.safeParse(json);
  if (!envelope.success) {
    const issue = envelope.error.issues[0];
    return { refused: `not a stored event (${issue ? `${issue.path.join('.') || 'row'}: ${issue.message}` : 'invalid'})` };
  }
  const event = envelope.data;
  if (!isEventType(event.type)) return { refused: `unknown event type ${event.type}` };
  if (event.metadata.correlationId !== event.correlationId || event.metadata.causationId !== event.causationId) {
    return { refused: 'metadata and the row disagree on correlation or causation id' };
  }
  // The row as written, payload included (not the parsed copy: zod would drop fields an old version kept).
  const row: ParsedEvent = { ...event, type: event.type, metadata: event.metadata as StoredEvent['metadata'], data: event.data as StoredEvent['data'], line };
  const schema = (eventSchemas[event.type] as Record<number, z.ZodType | undefined>)[event.schemaVersion];
  if (!schema) {
    const current = CURRENT_SCHEMA_VERSION[event.type];
    if (options.keepFuture && event.schemaVersion > current) {
      if (typeof event.data !== 'object' || event.data === null || Array.isArray(event.data)) return { refused: `${event.type} v${event.schemaVersion}: data is not an object` };
      return { event: row, future: `${event.type} v${event.schemaVersion} is newer than this version of Semantest (v${current}): kept as written, read once Semantest is updated` };
    }
    return { refused: `${event.type} has no schema version ${event.schemaVersion} in this version of Semantest` };
  }
  const data = schema.safeParse(event.data);
  if (!data.success) {
    const issue = data.error.issues[0];
    return { refused: `${event.type} v${event.schemaVersion}: ${issue ? `${issue.path.join('.') || 'data'}: ${issue.message}` : 'invalid data'}` };
  }
  return { event: row };
}

/** The lines of a string, without splitting it all at once. */
export function* linesOfText(text: string): Generator<string> {
  let start = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  for (;;) {
    const end = text.indexOf('\n', start);
    const raw = end === -1 ? text.slice(start) : text.slice(start, end);
    yield raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (end === -1) return;
    start = end + 1;
  }
}

/** Anything the import can read a chunk at a time. */
export type NdjsonSource = string | Blob | ReadableStream<Uint8Array> | AsyncIterable<Uint8Array | string>;

async function* chunksOf(source: Exclude<NdjsonSource, string>): AsyncGenerator<Uint8Array | string> {
  const stream = typeof Blob !== 'undefined' && source instanceof Blob ? source.stream() : source;
  if (typeof (stream as ReadableStream<Uint8Array>).getReader === 'function') {
    // By hand: async iteration of a ReadableStream needs Chrome 124, the manifest allows 120.
    const reader = (stream as ReadableStream<Uint8Array>).getReader();
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return;
        yield value;
      }
    } finally {
      reader.releaseLock();
    }
  }
  yield* stream as AsyncIterable<Uint8Array | string>;
}

/**
 * The lines of a stream of UTF-8 chunks, BOM dropped, `\r\n` and `\n` both ending a line. A line longer than
 * MAX_LINE_LENGTH is not kept in memory: it comes out cut to MAX_LINE_LENGTH + 1 characters (and is refused).
 */
export async function* linesOfStream(source: Exclude<NdjsonSource, string>, onBytes?: (bytes: number) => void): AsyncGenerator<string> {
  const decoder = new TextDecoder('utf-8'); // drops a leading BOM
  let pending = '';
  let overlong = false;
  let bytes = 0;
  const take = function* (text: string, last: boolean): Generator<string> {
    let start = 0;
    for (;;) {
      const end = text.indexOf('\n', start);
      if (end === -1) break;
      const piece = pending + text.slice(start, end);
      pending = '';
      const line = overlong ? piece.slice(0, MAX_LINE_LENGTH + 1) : piece;
      overlong = false;
      yield line.endsWith('\r') ? line.slice(0, -1) : line;
      start = end + 1;
    }
    pending += text.slice(start);
    if (pending.length > MAX_LINE_LENGTH) {
      pending = pending.slice(0, MAX_LINE_LENGTH + 1);
      overlong = true;
    }
    if (last && (pending !== '' || overlong)) {
      const line = pending;
      pending = '';
      yield line.endsWith('\r') ? line.slice(0, -1) : line;
    }
  };
  let first = true;
  for await (const chunk of chunksOf(source)) {
    let text = typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true });
    if (typeof chunk !== 'string') {
      bytes += chunk.byteLength;
      onBytes?.(bytes);
    }
    if (first && text !== '') {
      first = false;
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    }
    yield* take(text, false);
  }
  yield* take(decoder.decode(), true);
}

/** Parses and validates NDJSON text; blank lines are skipped. Pure: no database. */
export function parseNdjson(text: string, options: ParseOptions = {}): ParsedLog {
  const events: ParsedEvent[] = [];
  const refused: Refusal[] = [];
  const future: Refusal[] = [];
  let line = 0;
  for (const raw of linesOfText(text)) {
    line += 1;
    const verdict = parseLine(raw, line, options);
    if (!verdict) continue;
    if ('refused' in verdict) refused.push({ line, reason: verdict.refused });
    else {
      events.push(verdict.event);
      if (verdict.future) future.push({ line, reason: verdict.future });
    }
  }
  return future.length > 0 ? { events, refused, future } : { events, refused };
}
