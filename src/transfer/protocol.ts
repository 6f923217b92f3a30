/**
 * The messages between the worker and the transfer document. Each carries its own `target`, so no other listener
 * takes them (the worker's `handleMessage` and the extension pages ignore them), and each side parses what it gets:
 * the document is ours, but a message is input all the same.
 */
import { z } from 'zod';
import { FailureCode } from '../domain/events.ts';
import type { ConversionResult, TransferFact, TransferRequest, TransferStatus } from '../platform/transfer-port.ts';

/** Where the build puts Chrome's transfer document (vite.config.ts's input); the worker creates it from this path. */
export const TRANSFER_DOCUMENT_PATH = 'src/offscreen/index.html';

/** Worker → document: a call of the TransferPort. */
export const TO_TRANSFER_DOCUMENT = 'semantest:transfer-call';
/** Document → worker: a fact (pushed; it also wakes a stopped worker). */
export const TO_TRANSFER_WORKER = 'semantest:transfer-fact';

const transferId = z.string().min(1).max(200);
const count = z.number().int().nonnegative();

export const TransferRequestSchema = z.object({
  transferId,
  url: z.string().min(1).max(2_000_000),
  maxBytes: count,
  headersTimeoutMs: z.number().int().positive(),
  stallTimeoutMs: z.number().int().positive(),
  allowDataImage: z.boolean(),
  lanes: z.number().int().min(1).max(100).optional(),
}) satisfies z.ZodType<TransferRequest>;

export const TransferCall = z.discriminatedUnion('op', [
  z.object({ op: z.literal('start'), request: TransferRequestSchema }),
  z.object({ op: z.literal('pause'), transferId }),
  z.object({ op: z.literal('resume'), transferId }),
  z.object({ op: z.literal('cancel'), transferId }),
  z.object({ op: z.literal('status') }),
  z.object({ op: z.literal('convert'), transferId, to: z.string().max(100), quality: z.number().min(0).max(1), maxPixels: z.number().int().positive() }),
  z.object({ op: z.literal('saveUrl'), transferId, which: z.enum(['result', 'original', 'sidecar']) }),
  z.object({ op: z.literal('attachSidecar'), transferId, text: z.string().max(200_000) }),
  z.object({ op: z.literal('release'), transferId }),
]);
export type TransferCall = z.infer<typeof TransferCall>;

export const TransferCallMessage = z.object({ target: z.literal(TO_TRANSFER_DOCUMENT), call: TransferCall });

const FailureSchema = z.object({ code: FailureCode, retryable: z.boolean(), message: z.string().max(2000), hotlinkSuspect: z.boolean().optional() });

export const TransferFactSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('sniffed'),
    transferId,
    mimeType: z.string().max(100),
    extension: z.string().max(20),
    declaredMime: z.string().max(200),
    contentLength: count.nullable(),
    width: z.number().int().positive().optional(),
    height: z.number().int().positive().optional(),
  }),
  z.object({ type: z.literal('progress'), transferId, bytesReceived: count, totalBytes: count.nullable() }),
  z.object({
    type: z.literal('fetched'),
    transferId,
    size: count,
    contentHash: z.string().regex(/^[0-9a-f]{64}$/),
    mimeType: z.string().max(100),
    saveUrl: z.string().startsWith('blob:').max(500).optional(),
  }),
  z.object({ type: z.literal('failed'), transferId, failure: FailureSchema }),
  z.object({ type: z.literal('paused'), transferId, bytesReceived: count }),
  z.object({ type: z.literal('resumed'), transferId, bytesReceived: count, ranged: z.boolean() }),
]) satisfies z.ZodType<TransferFact>;

export const TransferFactMessage = z.object({ target: z.literal(TO_TRANSFER_WORKER), fact: TransferFactSchema });

export const TransferStatusSchema = z.object({
  transferId,
  state: z.enum(['queued', 'requesting', 'streaming', 'paused', 'fetched', 'failed']),
  bytesReceived: count,
  facts: z.array(TransferFactSchema),
  saveUrl: z.string().nullable(),
}) satisfies z.ZodType<TransferStatus>;

export const ConversionResultSchema = z.union([
  z.object({ ok: z.literal(true), mimeType: z.string(), size: count, width: count, height: count }),
  z.object({ ok: z.literal(false), reason: z.string() }),
]) satisfies z.ZodType<ConversionResult>;

/** The document's answer to a call: `value` is parsed by the caller for the call it made. */
export const TransferReply = z.union([z.object({ ok: z.literal(true), value: z.unknown() }), z.object({ ok: z.literal(false), error: z.string() })]);
export type TransferReply = z.infer<typeof TransferReply>;

/** True for a message of this protocol (either way): other listeners leave it alone. */
export function isTransferMessage(message: unknown): boolean {
  if (typeof message !== 'object' || message === null || !('target' in message)) return false;
  const { target } = message as { target: unknown };
  return target === TO_TRANSFER_DOCUMENT || target === TO_TRANSFER_WORKER;
}
