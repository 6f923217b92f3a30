/**
 * The write-behind projector of the store's read models: the `downloads` rows (history) and the `streams` rows.
 *
 * An append's transaction writes the events only (the unique `[streamId+version]` and `eventId` indexes are the
 * concurrency and idempotency guard); the rows are written by this projector in a LATER transaction, together
 * with its checkpoint (the global position folded so far) — so after a stop at any moment the rows plus the
 * checkpoint are a consistent prefix of the log, and `catchUp` folds the rest on the next start.
 *
 * Read-your-writes without an in-memory copy of the rows: a flush transaction is asked for (created) BEFORE the
 * appends it carries resolve, and it takes the events when it starts, so every event committed while it waited
 * rides on it (several events of one stream become one row write). IndexedDB runs a transaction that reads
 * `downloads` or `streams` only after every overlapping readwrite transaction created before it (the spec's
 * ordering; Chromium and fake-indexeddb both keep it), so any read made after an append resolved — the saga's
 * queries, the badge, a test reading the table — sees that append folded in. `whenProjected()` waits until the
 * rows are on disk, for code that needs that (the benchmark, tests, other contexts).
 *
 * Folding is idempotent: an event at or below the checkpoint is not folded into `downloads` again, nor is an
 * event of a stream whose row already holds that version (a rebuild or a catch-up in another context may have
 * written it); `streams` rows only ever move forward (highest version, latest time).
 */
import type { StoredEvent } from '../domain/events.ts';
import { downloadTargets, projectDownloadOnce } from '../projections/downloads.ts';
import { PROJECTOR_CHECKPOINT, type DownloadRow, type SemantestDb, type StreamRow } from './database.ts';

/** Events one catch-up transaction reads from the log. */
const CATCH_UP_PAGE = 2000;
/** After a failed flush, the next try waits this long (the events stay queued; the log has them). */
const RETRY_MS = 500;
/**
 * Under a burst of appends a flush holds its transaction open (with tiny reads) for at most this long before it
 * takes the events, so that several events of one stream become one row write. Readers of the rows wait for it
 * anyway (they are ordered after it); appends do not (they write `events`, outside its scope).
 */
const HOLD_MS = 40;
/** A burst: an append transaction in flight, or one that started this recently. */
const QUIET_MS = 4;
/** A flush takes its events at once when this many are waiting. */
const HOLD_EVENTS = 3000;
/** …and holds only when the events waiting span at least this many streams (many callers at once). */
const HOLD_STREAMS = 8;

/** The aggregate type a stream gets when nobody named one: what an NDJSON import uses too. */
const defaultAggregateType = (event: StoredEvent): string => (event.type === 'DeadLetterDiscarded' ? 'DeadLetterQueue' : 'Download');

export class DownloadsProjector {
  /** Committed events not taken by a flush yet, in position order. */
  private pending: StoredEvent[] = [];
  /** Aggregate types the appends named, until their streams' rows are written. */
  private readonly aggregateTypes = new Map<string, string>();
  /** A flush transaction was asked for and has not taken its events yet: events committed now ride on it. */
  private queued = false;
  /** Flush transactions asked for and not settled. */
  private running = 0;
  /** `catchUp` has been asked for; until it is done, events wait for it (the log's order is kept). */
  private catchUpState: 'not-started' | 'running' | 'done' = 'not-started';
  private caughtUp: Promise<void> | null = null;
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  private waiters: (() => void)[] = [];
  private readonly log: (message: string, error: unknown) => void;
  /** Append transactions in flight (told by the stores), and when the last one started. */
  private appending = 0;
  private lastAppendAt = -Infinity;

  constructor(
    private readonly db: SemantestDb,
    options: { log?: (message: string, error: unknown) => void } = {},
  ) {
    this.log = options.log ?? ((message, error) => console.error(`Semantest: ${message}`, error));
  }

  /**
   * Folds what the log holds beyond the checkpoint (a worker stopped between an append and its flush) before
   * anything else, then carries on with the events appended meanwhile. Idempotent; the store calls it before its
   * first append, the worker at start before the saga's recovery reads the read model.
   */
  catchUp(): Promise<void> {
    if (this.catchUpState === 'done') return Promise.resolve();
    if (this.caughtUp) return this.caughtUp;
    this.catchUpState = 'running';
    this.caughtUp = new Promise<void>((resolve) => {
      const page = (): void => {
        this.runFlush(true).then(
          (outcome) => {
            if (outcome === 'more') return page();
            this.catchUpState = 'done';
            this.caughtUp = null;
            resolve();
            if (this.pending.length > 0) this.schedule();
            else this.settle();
          },
          (error: unknown) => {
            if (!this.db.isOpen()) {
              this.stop();
              return resolve();
            }
            this.log('catching up the read model failed; trying again', error);
            setTimeout(page, RETRY_MS);
          },
        );
      };
      page();
    });
    return this.caughtUp;
  }

  /** True once the catch-up has run in this context. */
  get isCaughtUp(): boolean {
    return this.catchUpState === 'done';
  }

  /** Called by the store right after a commit, before its appends resolve: asks for a flush that carries them. */
  enqueue(events: readonly StoredEvent[], aggregateTypes: ReadonlyMap<string, string>): void {
    if (events.length === 0) return;
    for (const event of events) this.pending.push(event);
    for (const [streamId, type] of aggregateTypes) if (!this.aggregateTypes.has(streamId)) this.aggregateTypes.set(streamId, type);
    if (this.catchUpState === 'running') return; // the catch-up's last page takes them, in order
    this.schedule();
  }

  /** Told by the store around each append transaction: a flush waits for a burst to pause (`HOLD_MS` at most). */
  appendStarted(): void {
    this.appending += 1;
    this.lastAppendAt = performance.now();
  }

  appendEnded(): void {
    this.appending = Math.max(0, this.appending - 1);
  }

  private inBurst(): boolean {
    return this.appending > 0 || performance.now() - this.lastAppendAt < QUIET_MS;
  }

  /** Resolves once every event enqueued so far is in the rows on disk. */
  whenProjected(): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /**
   * The connection was closed (this context is going away, or a test closed it): what was not written is
   * dropped here — the log has it, and the next context to open the database catches up from the checkpoint.
   */
  private stop(): void {
    this.pending = [];
    this.aggregateTypes.clear();
    this.queued = false;
    this.catchUpState = 'not-started';
    this.caughtUp = null;
    const waiters = this.waiters.splice(0);
    for (const resolve of waiters) resolve();
  }

  private isIdle(): boolean {
    return this.pending.length === 0 && this.running === 0 && !this.queued && this.catchUpState !== 'running' && this.retryTimer === null;
  }

  private settle(): void {
    if (!this.isIdle()) return;
    const waiters = this.waiters.splice(0);
    for (const resolve of waiters) resolve();
  }

  private schedule(): void {
    if (this.queued || this.retryTimer !== null || this.catchUpState === 'running') return;
    this.runFlush(false).then(
      (outcome) => {
        // Positions missing between the checkpoint and these events (another context appended, or an aborted
        // transaction used them): the log decides, through a catch-up that reads it from the checkpoint.
        if (outcome === 'gap') {
          this.catchUpState = 'not-started';
          void this.catchUp();
        } else this.settle();
      },
      (error: unknown) => {
        if (!this.db.isOpen()) return this.stop();
        this.log('writing the read model failed; trying again', error);
        this.retryTimer ??= setTimeout(() => {
          this.retryTimer = null;
          if (!this.db.isOpen()) return this.stop();
          if (this.pending.length > 0) this.schedule();
          else this.settle();
        }, RETRY_MS);
      },
    );
  }

  /**
   * One flush transaction. `catchUp`: also reads the log beyond the checkpoint (one page; 'more' when more
   * remain). The events are taken when the transaction starts (its first read answered), not when it is asked
   * for: whatever was committed while it waited behind the previous flush rides on it.
   */
  private runFlush(catchUp: boolean): Promise<'done' | 'more' | 'gap'> {
    const db = this.db;
    /** What this transaction took from `pending` (given back if it fails). */
    let tookFromPending: StoredEvent[] = [];
    if (!catchUp) this.queued = true;
    this.running += 1;
    const tables = catchUp ? [db.events, db.streams, db.downloads, db.checkpoints] : [db.streams, db.downloads, db.checkpoints];
    const work = db.transaction('rw', tables, async (): Promise<'done' | 'more' | 'gap'> => {
      const checkpoint = await db.checkpoints.get(PROJECTOR_CHECKPOINT);
      const after = checkpoint?.position ?? 0;
      let taken: StoredEvent[];
      let outcome: 'done' | 'more' | 'gap' = 'done';
      if (catchUp) {
        const logged = await db.events.where('position').above(after).limit(CATCH_UP_PAGE).toArray();
        taken = logged;
        if (logged.length === CATCH_UP_PAGE) outcome = 'more';
        else {
          // The end of the log as this transaction sees it: events committed later are queued here already, and
          // any committed before it started are in `logged` too (kept once, by position).
          const last = logged.at(-1)?.position ?? after;
          tookFromPending = this.pending.splice(0);
          for (const event of tookFromPending) if (event.position > last) taken.push(event);
        }
      } else {
        // Appends still coming: keep this transaction (ordered before any later reader) and let them ride on it.
        // Only worth it when many callers append at once (many streams per group commit): one caller's big batch
        // is one row write already, and the tiny reads cost the appends some CPU.
        const holdUntil = performance.now() + HOLD_MS;
        const worthHolding = new Set(this.pending.map((event) => event.streamId)).size >= HOLD_STREAMS;
        while (worthHolding && this.inBurst() && this.pending.length < HOLD_EVENTS && performance.now() < holdUntil) await db.checkpoints.get(PROJECTOR_CHECKPOINT);
        tookFromPending = this.pending.splice(0);
        taken = tookFromPending;
        this.queued = false;
        let previous = after;
        let gap = false;
        for (const event of taken) {
          if (event.position <= after) continue;
          if (event.position > previous + 1) gap = true;
          previous = event.position;
        }
        if (gap) {
          this.pending.unshift(...tookFromPending);
          tookFromPending = [];
          return 'gap';
        }
      }
      if (taken.length > 0) await this.write(taken, after);
      return outcome;
    });
    return work.then(
      (outcome) => {
        this.running -= 1;
        for (const event of tookFromPending) this.forgetType(event.streamId);
        return outcome;
      },
      (error: unknown) => {
        this.running -= 1;
        if (!catchUp) this.queued = false;
        // Nothing was written: what it took goes back to the front of the queue (the log has it anyway).
        this.pending.unshift(...tookFromPending);
        throw error;
      },
    );
  }

  private forgetType(streamId: string): void {
    if (!this.pending.some((event) => event.streamId === streamId)) this.aggregateTypes.delete(streamId);
  }

  /** Folds `events` (position order) into the rows and writes them with the checkpoint; inside a transaction. */
  private async write(events: readonly StoredEvent[], after: number): Promise<void> {
    const db = this.db;
    const toFold = events.filter((event) => event.position > after);
    const rowIds = downloadTargets(toFold);
    const streamIds = [...new Set(events.map((event) => event.streamId))];
    const [current, streams] = await Promise.all([rowIds.length > 0 ? db.downloads.bulkGet(rowIds) : [], db.streams.bulkGet(streamIds)]);
    const rows = new Map<string, DownloadRow | undefined>(rowIds.map((id, i) => [id, current[i]]));
    const before = new Map(rows);
    for (const event of toFold) {
      try {
        projectDownloadOnce(rows, event);
      } catch (error) {
        // A stored event the fold cannot read (a corrupt import): skipped here; a rebuild quarantines it.
        this.log(`event ${String(event.eventId)} could not be folded into the read model`, error);
      }
    }
    const changed: DownloadRow[] = [];
    for (const [id, row] of rows) if (row !== undefined && row !== before.get(id)) changed.push(row);
    const latest = new Map<string, { version: number; at: number; first: StoredEvent }>();
    for (const event of events) {
      const seen = latest.get(event.streamId);
      if (!seen) latest.set(event.streamId, { version: event.version, at: event.createdAt, first: event });
      else {
        seen.version = Math.max(seen.version, event.version);
        seen.at = Math.max(seen.at, event.createdAt);
      }
    }
    const streamRows: StreamRow[] = [];
    streamIds.forEach((streamId, i) => {
      const existing = streams[i];
      const seen = latest.get(streamId);
      if (!seen) return;
      const next: StreamRow = {
        streamId,
        aggregateType: existing?.aggregateType ?? this.aggregateTypes.get(streamId) ?? defaultAggregateType(seen.first),
        currentVersion: Math.max(existing?.currentVersion ?? 0, seen.version),
        lastUpdated: Math.max(existing?.lastUpdated ?? 0, seen.at),
      };
      if (!existing || existing.currentVersion !== next.currentVersion || existing.lastUpdated !== next.lastUpdated) streamRows.push(next);
    });
    const last = events[events.length - 1] as StoredEvent;
    await Promise.all([
      changed.length > 0 ? db.downloads.bulkPut(changed) : undefined,
      streamRows.length > 0 ? db.streams.bulkPut(streamRows) : undefined,
      last.position > after ? db.checkpoints.put({ subscriberId: PROJECTOR_CHECKPOINT, position: last.position, updatedAt: last.createdAt }) : undefined,
    ]);
  }
}
