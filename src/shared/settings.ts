/**
 * The saga's settings, validated with zod, stored with a version in chrome.storage.local
 * (src/platform/settings-store.ts) and edited on the options page. The worker re-reads them on every change.
 */
import { z } from 'zod';
import { DEFAULT_RETRY_POLICY } from '../domain/failure.ts';
import { outboxUrlProblem } from '../domain/urls.ts';
import { folderTemplateProblem } from '../domain/path-template.ts';

/** Version of the stored settings' shape; a later version adds a migration in `migrateSettings`. */
export const SETTINGS_VERSION = 1;

export const FILE_NAME_PATTERN_TOKENS = ['{name}', '{title}', '{site}', '{date}', '{query}', '{index}', '{width}', '{height}'] as const;

/** How many recent folders are kept (newest first). */
export const RECENT_FOLDERS = 8;

const folderTemplate = z
  .string()
  .max(200)
  .superRefine((template, ctx) => {
    const problem = folderTemplateProblem(template);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });

export const Settings = z.object({
  /** A folder template (domain/path-template.ts): `Semantest/{query}`; the same tokens as the file name. */
  folder: folderTemplate.default('Semantest'),
  /** The folders last used (templates, newest first, at most RECENT_FOLDERS): the selection bar's and menu's choice. */
  recentFolders: z.array(folderTemplate).max(RECENT_FOLDERS).default([]),
  /** Tokens: {name} (from the URL, or the title), {title}, {site}, {date} (YYYY-MM-DD), {query}, {index} ({index:03}:
   * zero-padded), {width}, {height}. */
  fileNamePattern: z
    .string()
    .trim()
    .min(1)
    .max(120)
    .refine((pattern) => /\{(name|title|site|date|query|index|width|height)(:\d{1,2})?\}/.test(pattern), `The pattern needs at least one of ${FILE_NAME_PATTERN_TOKENS.join(', ')}.`)
    .default('{name}'),
  conflictAction: z.enum(['uniquify', 'overwrite']).default('uniquify'),
  maxRetries: z.number().int().min(0).max(10).default(DEFAULT_RETRY_POLICY.maxRetries),
  baseDelayMs: z.number().int().min(100).max(600_000).default(DEFAULT_RETRY_POLICY.baseDelayMs),
  concurrency: z.number().int().min(1).max(10).default(3),
  /** At most this many transfers start towards one host in any second (0: no pace); hosts that throttle need it. */
  hostRequestsPerSecond: z.number().int().min(0).max(100).default(0),
  maxBytes: z.number().int().positive().max(4096 * 1_048_576).default(200 * 1_048_576),
  /** Bounds the wait for an answer from the image host, and for `chrome.downloads.download` to start. */
  requestTimeoutMs: z.number().int().min(1000).max(120_000).default(15_000),
  /** A running download that receives no byte for this long is stopped and retried (4 attempts × 20 s keeps a
   * stalling host within the contract's "dead-lettered within 2 minutes"). */
  stallTimeoutMs: z.number().int().min(5000).max(600_000).default(20_000),
  /** The popup offers Google's thumbnail for a download whose original could not be saved. */
  offerThumbnail: z.boolean().default(true),
  /** Desktop notifications: `failures` when a download fails for good, `all` also when one is saved. */
  notifications: z.enum(['none', 'failures', 'all']).default('failures'),
  /** Retention: compact settled downloads unchanged for this many days (src/store/compaction.ts); 0 = off. */
  retentionDays: z.number().int().min(0).max(3650).default(0),
  /** A notification when a batch (one correlation id, more than one download) has settled. */
  notifyBulk: z.boolean().default(true),
  /** One alert when at least this share (%) of the last `failureAlertWindow` settled downloads failed; 0 = off. */
  failureAlertPercent: z.number().int().min(0).max(100).default(50),
  failureAlertWindow: z.number().int().min(2).max(100).default(10),
  /** The integrations outbox: the event log as CloudEvents to the user's URL. Off by default. */
  outboxEnabled: z.boolean().default(false),
  /** '' or an https URL (http only for localhost); checked again by the worker before every send. */
  outboxUrl: z
    .string()
    .trim()
    .max(2000)
    .refine((url) => url === '' || outboxUrlProblem(url) === null, { message: 'Use an https address (http only for localhost), without a user name or password.' })
    .default(''),
  outboxBatchSize: z.number().int().min(1).max(1000).default(100),
  /** Failed sends of one batch before the outbox stops and waits for the user (its own dead-letter state). */
  outboxMaxAttempts: z.number().int().min(1).max(20).default(6),
  /** The outbox also sends the events of downloads imported from another log (off: only this browser's). */
  outboxSendImported: z.boolean().default(false),
  /** "Save as type": `original` keeps the image's own format; otherwise it is converted in the worker. */
  saveAs: z.enum(['original', 'png', 'jpeg', 'webp']).default('original'),
  /** Quality of a JPEG or WebP written by "Save as type", 0.1–1. */
  convertQuality: z.number().min(0.1).max(1).default(0.9),
  /** Also keep the original file next to the converted one. */
  keepOriginal: z.boolean().default(false),
  /** "Save as type" decodes no image whose header declares more pixels than this (a decoding bomb): kept as it is. */
  convertMaxPixels: z.number().int().min(1_000_000).max(1_000_000_000).default(100_000_000),
  /** A JSON file of the image's metadata beside it (domain/sidecar.ts). */
  sidecarMetadata: z.boolean().default(false),
  /** Ask a bigger copy first where a host's address says it is resized (domain/bigger-original.ts). */
  biggerOriginals: z.boolean().default(true),
  /**
   * Bulk actions on a Google page ("Download N selected", "Download all") leave out images whose width or height,
   * as Google's data gives it, is under this many pixels; 0 = off. Images of unknown size are kept.
   */
  skipSmallerThanPx: z.number().int().min(0).max(100_000).default(0),
});
export type Settings = z.infer<typeof Settings>;

export const DEFAULT_SETTINGS: Settings = Settings.parse({});

/** What is stored under `settings` in chrome.storage.local. */
export interface StoredSettings {
  version: number;
  settings: unknown;
}

/**
 * Stored value → valid settings. Fields that fail validation fall back to their defaults one by one, so one bad
 * field (from an older or hand-edited store) never loses the others.
 */
export function migrateSettings(stored: unknown): Settings {
  const raw = stored && typeof stored === 'object' && 'settings' in stored ? (stored as StoredSettings).settings : undefined;
  if (!raw || typeof raw !== 'object') return DEFAULT_SETTINGS;
  const whole = Settings.safeParse(raw);
  if (whole.success) return whole.data;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(raw)) {
    if (!Object.hasOwn(Settings.shape, key)) continue;
    const field = Settings.shape[key as keyof typeof Settings.shape].safeParse(value);
    if (field.success) out[key] = field.data;
  }
  return Settings.parse(out);
}

/** `folder` put first in the recent folders (once), the oldest dropped past the bound; the same list when it is first already. */
export function withRecentFolder(recent: readonly string[], folder: string): string[] {
  if (recent[0] === folder) return [...recent];
  return [folder, ...recent.filter((known) => known !== folder)].slice(0, RECENT_FOLDERS);
}
