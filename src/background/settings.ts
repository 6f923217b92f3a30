/** The saga's settings, validated with zod. Stored and edited on the options page in a later slice. */
import { z } from 'zod';
import { DEFAULT_RETRY_POLICY } from '../domain/failure.ts';

export const Settings = z.object({
  folder: z.string().max(200).default('Semantest'),
  conflictAction: z.enum(['uniquify', 'overwrite']).default('uniquify'),
  maxRetries: z.number().int().min(0).max(10).default(DEFAULT_RETRY_POLICY.maxRetries),
  baseDelayMs: z.number().int().min(100).max(600_000).default(DEFAULT_RETRY_POLICY.baseDelayMs),
  concurrency: z.number().int().min(1).max(10).default(3),
  maxBytes: z.number().int().positive().default(200 * 1_048_576),
  /** Bounds the wait for an answer from the image host, and for `chrome.downloads.download` to start. */
  requestTimeoutMs: z.number().int().min(1000).max(120_000).default(15_000),
  /** A running download that receives no byte for this long is stopped and retried. */
  stallTimeoutMs: z.number().int().min(5000).max(600_000).default(30_000),
});
export type Settings = z.infer<typeof Settings>;

export const DEFAULT_SETTINGS: Settings = Settings.parse({});
