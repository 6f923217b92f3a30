/**
 * The integrations outbox (the seed's "Integrations" consumer): sends the event log, in global order, as batches
 * of CloudEvents to the one URL the user set, one POST per batch.
 *
 * - Checkpoint: the position of the last event a receiver accepted (2xx), kept in the bus's `checkpoints` table
 *   under `outbox`. It moves only after the receiver's answer, so a stop between the POST and the write sends that
 *   batch again: at least once, and the CloudEvents `id` (= eventId) lets the receiver dedupe.
 * - Retries: a network error, a timeout, 5xx, 408 or 429 is tried again after an exponential delay with jitter;
 *   the due time is stored with the checkpoint and an alarm is set, so a stopped worker picks the retry up.
 * - Its own dead-letter state: after `maxAttempts` failed sends of a batch (or at once for an answer that will not
 *   change by itself: another 4xx, a redirect, no permission) the outbox stops, keeps the error, and waits for
 *   the user to retry (resume) or skip that batch. Unlike the bus's per-stream parking it stops as a whole: the
 *   receiver is promised the log in order, so nothing after a failed batch may overtake it.
 *
 * Why not a bus subscriber: the bus hands over one event at a time and parks failures per stream; the outbox
 * needs batches and a global stop. It reuses the bus's checkpoint rows, retry arithmetic and alarm wake-up.
 */
import type { StoredEvent } from '../domain/events.ts';
import { retryDelayMs, type RetryPolicy } from '../domain/failure.ts';
import type { CheckpointRow } from '../store/database.ts';
import type { HttpPort } from '../platform/ports.ts';
import { batchBody, CLOUDEVENTS_BATCH_CONTENT_TYPE, originPattern, outboxUrlProblem } from './cloudevents.ts';

export const OUTBOX_ID = 'outbox';
export const OUTBOX_ALARM = 'semantest:outbox-wake';
/** One POST stays well under the 30 s after which Chrome stops a worker that waits on a fetch. */
export const OUTBOX_TIMEOUT_MS = 20_000;
export const OUTBOX_MAX_BYTES = 1_000_000;
export const OUTBOX_POLICY: RetryPolicy = { maxRetries: Number.POSITIVE_INFINITY, baseDelayMs: 1000, maxDelayMs: 5 * 60_000, jitter: 0.2 };

export interface OutboxRetry {
  /** Position of the last event of the batch that failed (what "skip" passes over). */
  position: number;
  attempts: number;
  dueAt: number;
  error: string;
  /** The outbox's dead-letter state: no more attempts until the user resumes or skips. */
  stopped?: boolean;
}

export interface OutboxCheckpoint extends CheckpointRow {
  retry?: OutboxRetry | undefined;
}

export interface OutboxCheckpointStore {
  load(): Promise<OutboxCheckpoint | undefined>;
  save(row: OutboxCheckpoint): Promise<void>;
}

export interface OutboxConfig {
  enabled: boolean;
  url: string;
  batchSize: number;
  maxAttempts: number;
  /** Events of imported downloads (`metadata.imported`) are sent too; otherwise they are passed over. */
  sendImported?: boolean;
}

export interface OutboxDeps {
  readAll(after: number, limit: number): Promise<StoredEvent[]>;
  checkpoints: OutboxCheckpointStore;
  http: HttpPort;
  config: () => OutboxConfig;
  /** The CloudEvents `source` (`chrome-extension://<id>/`). */
  source: string;
  /** Whether the extension may reach the URL's origin (the user can withdraw site access at any time). */
  mayReach(originPattern: string): Promise<boolean>;
  now: () => number;
  random: () => number;
  wakeAt: (when: number) => Promise<void>;
  /** Runs the retry timer on the clock of `now`. */
  setTimeout: (fn: () => void, ms: number) => unknown;
  policy?: RetryPolicy;
  timeoutMs?: number;
  maxBytes?: number;
}

export type OutboxStatus =
  | { state: 'off'; position: number }
  | { state: 'idle'; position: number }
  | { state: 'retrying'; position: number; attempts: number; dueAt: number; error: string }
  | { state: 'stopped'; position: number; attempts: number; error: string; failedThrough: number };

/** What the options page shows, from the checkpoint row and the settings (pure). */
export function outboxStatus(row: OutboxCheckpoint | undefined, config: Pick<OutboxConfig, 'enabled'>): OutboxStatus {
  const position = row?.position ?? 0;
  const retry = row?.retry;
  if (retry?.stopped) return { state: 'stopped', position, attempts: retry.attempts, error: retry.error, failedThrough: retry.position };
  if (!config.enabled) return { state: 'off', position };
  if (retry) return { state: 'retrying', position, attempts: retry.attempts, dueAt: retry.dueAt, error: retry.error };
  return { state: 'idle', position };
}

type SendResult = { ok: true } | { ok: false; retryable: boolean; error: string };

/** How a receiver's answer is taken: 2xx delivered; 408, 429, 5xx and network trouble retried; the rest stops. */
export function classifyAnswer(status: number): SendResult {
  if (status >= 200 && status < 300) return { ok: true };
  if (status === 0) return { ok: false, retryable: false, error: 'The receiver answered with a redirect; events are only sent to the address you set.' };
  if (status === 408 || status === 429 || status >= 500) return { ok: false, retryable: true, error: `The receiver answered HTTP ${status}.` };
  return { ok: false, retryable: false, error: `The receiver refused the events (HTTP ${status}).` };
}

export class Outbox {
  private running: Promise<void> | null = null;
  private again = false;
  private wakeFor: number | null = null;
  private readonly policy: RetryPolicy;
  private readonly setTimer: (fn: () => void, ms: number) => unknown;

  constructor(private readonly deps: OutboxDeps) {
    this.policy = deps.policy ?? OUTBOX_POLICY;
    this.setTimer = deps.setTimeout;
  }

  /** Asks the outbox to send what waits; calls while it runs fold into one more pass. */
  poke(): void {
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.drain()
      .catch((error: unknown) => console.error('Semantest outbox: stopped', error))
      .finally(() => {
        this.running = null;
        if (this.again) {
          this.again = false;
          this.poke();
        }
      });
  }

  /** How many `whileHeld` calls run: while any does, nothing is sent. */
  private held = 0;

  /**
   * Runs `work` while nothing is sent: a send in flight is waited for, and no batch is read until `work` is done
   * (forgetting downloads deletes events: none of them may leave after that).
   */
  async whileHeld<T>(work: () => Promise<T>): Promise<T> {
    this.held += 1;
    try {
      await this.idle();
      return await work();
    } finally {
      this.held -= 1;
      if (this.held === 0) this.poke();
    }
  }

  /** Resolves when nothing is in flight (tests, and the commands below). */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  async checkpoint(): Promise<OutboxCheckpoint | undefined> {
    return this.deps.checkpoints.load();
  }

  /** The user's "retry": the failed batch is tried again now, with a fresh count of attempts. */
  async resume(): Promise<boolean> {
    await this.idle();
    const row = await this.deps.checkpoints.load();
    if (!row?.retry) return false;
    await this.deps.checkpoints.save({ ...row, updatedAt: this.deps.now(), retry: undefined });
    this.poke();
    return true;
  }

  /** The user's "skip": the failed batch is given up (never sent), the outbox goes on after it. */
  async skip(): Promise<boolean> {
    await this.idle();
    const row = await this.deps.checkpoints.load();
    if (!row?.retry) return false;
    await this.deps.checkpoints.save({ ...row, position: Math.max(row.position, row.retry.position), updatedAt: this.deps.now(), retry: undefined });
    this.poke();
    return true;
  }

  /** Sends the whole log again from the start (position 0), or only what comes next (`now`). */
  async restart(from: 'start' | 'now', lastPosition: number): Promise<void> {
    await this.idle();
    await this.deps.checkpoints.save({ subscriberId: OUTBOX_ID, position: from === 'start' ? 0 : lastPosition, updatedAt: this.deps.now(), retry: undefined });
    this.poke();
  }

  private async drain(): Promise<void> {
    for (;;) {
      if (this.held > 0) return;
      const config = this.deps.config();
      // Off, or no valid address: nothing leaves, and the checkpoint stays where it is.
      if (!config.enabled || config.url === '' || outboxUrlProblem(config.url) !== null) return;
      const row = (await this.deps.checkpoints.load()) ?? { subscriberId: OUTBOX_ID, position: 0, updatedAt: 0 };
      if (row.retry?.stopped) return;
      if (row.retry && row.retry.dueAt > this.deps.now()) {
        this.scheduleWake(row.retry.dueAt);
        return;
      }
      const page = await this.deps.readAll(row.position, Math.max(1, config.batchSize));
      if (page.length === 0) return;
      // Imported history is not what happened here: it leaves only when the user asked for it.
      const sendable = config.sendImported ? page : page.filter((event) => !event.metadata.imported);
      if (sendable.length === 0) {
        await this.deps.checkpoints.save({ subscriberId: OUTBOX_ID, position: (page[page.length - 1] as StoredEvent).position, updatedAt: this.deps.now(), retry: undefined });
        continue;
      }
      const { events, body } = batchBody(sendable, this.deps.source, config.batchSize, this.deps.maxBytes ?? OUTBOX_MAX_BYTES);
      const last = (events[events.length - 1] as StoredEvent).position;
      const result = await this.send(config.url, body);
      if (result.ok) {
        await this.deps.checkpoints.save({ subscriberId: OUTBOX_ID, position: last, updatedAt: this.deps.now(), retry: undefined });
        continue;
      }
      const attempts = (row.retry?.attempts ?? 0) + 1;
      const stopped = !result.retryable || attempts >= config.maxAttempts;
      const dueAt = this.deps.now() + retryDelayMs(attempts, this.policy, this.deps.random());
      await this.deps.checkpoints.save({
        subscriberId: OUTBOX_ID,
        position: row.position,
        updatedAt: this.deps.now(),
        retry: { position: last, attempts, dueAt, error: result.error, ...(stopped ? { stopped: true } : {}) },
      });
      if (!stopped) this.scheduleWake(dueAt);
      return;
    }
  }

  private async send(url: string, body: string): Promise<SendResult> {
    // Checked before every send: the URL is the user's (settings), and site access may have been withdrawn.
    if (!(await this.deps.mayReach(originPattern(url)).catch(() => false))) {
      return { ok: false, retryable: false, error: `Semantest may not reach ${new URL(url).origin}: allow it again on the options page.` };
    }
    try {
      const answer = await this.deps.http.post(url, body, {
        headers: { 'content-type': CLOUDEVENTS_BATCH_CONTENT_TYPE },
        timeoutMs: this.deps.timeoutMs ?? OUTBOX_TIMEOUT_MS,
      });
      return classifyAnswer(answer.status);
    } catch (error) {
      const timedOut = error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError');
      return { ok: false, retryable: true, error: timedOut ? 'The receiver did not answer in time.' : `The receiver could not be reached (${error instanceof Error ? error.message : String(error)}).` };
    }
  }

  private scheduleWake(dueAt: number): void {
    if (this.wakeFor === dueAt) return;
    this.wakeFor = dueAt;
    this.setTimer(() => {
      if (this.wakeFor === dueAt) this.wakeFor = null;
      this.poke();
    }, Math.max(0, dueAt - this.deps.now()) + 1);
    void this.deps.wakeAt(dueAt).catch(() => undefined);
  }
}
