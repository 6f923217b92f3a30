/**
 * The worker's end of the import port: the options page streams the NDJSON file over a `runtime.connect` port,
 * one chunk of text each time the worker asks (`import.next`), so neither side ever holds the whole file. The
 * import reads the file twice (src/store/import-log.ts): each reading asks for it again from its first byte.
 */
import type { WorkerPort } from '../platform/listeners.ts';
import { IMPORT_PORT, ImportPortRequest, type ImportPortAnswer } from '../shared/protocol.ts';
import type { ImportReport, ImportSource } from '../store/import-log.ts';

export interface ImportPortDeps {
  /** Why this sender may not import (null: it may). Only the extension's own pages may. */
  refusal: (port: WorkerPort) => string | null;
  importLog: (source: ImportSource) => Promise<ImportReport>;
}

type Chunk = Extract<ImportPortRequest, { type: 'import.chunk' }>;

export function serveImportPort(port: WorkerPort, deps: ImportPortDeps): void {
  if (port.name !== IMPORT_PORT) return;
  const answer = (message: ImportPortAnswer): void => port.post(message);
  const refusal = deps.refusal(port);
  if (refusal) {
    answer({ type: 'import.failed', error: refusal });
    port.disconnect();
    return;
  }
  let started = false;
  let closed = false;
  let waiting: { resolve: (chunk: Chunk) => void; reject: (error: Error) => void } | null = null;
  const gone = (): Error => new Error('The options page was closed before the import finished: the events written until then stay.');

  port.onDisconnect(() => {
    closed = true;
    waiting?.reject(gone());
    waiting = null;
  });
  port.onMessage((raw) => {
    const parsed = ImportPortRequest.safeParse(raw);
    if (!parsed.success) {
      waiting?.reject(new Error('The options page sent something that is not part of an import.'));
      waiting = null;
      return;
    }
    const message = parsed.data;
    if (message.type === 'import.chunk') {
      waiting?.resolve(message);
      waiting = null;
      return;
    }
    if (started) return;
    started = true;
    let readings = 0;
    const next = (reading: number): Promise<Chunk> =>
      new Promise<Chunk>((resolve, reject) => {
        if (closed) return reject(gone());
        waiting = { resolve, reject };
        answer({ type: 'import.next', reading });
      });
    async function* reading(): AsyncGenerator<string> {
      const number = ++readings;
      for (;;) {
        const chunk = await next(number);
        if (chunk.reading !== number) throw new Error('The options page sent a piece of another reading of the file.');
        if (chunk.text) yield chunk.text;
        if (chunk.done) return;
      }
    }
    deps.importLog(() => reading()).then(
      (report) => {
        answer({ type: 'import.report', report });
        port.disconnect();
      },
      (error: unknown) => {
        answer({ type: 'import.failed', error: error instanceof Error ? error.message : String(error) });
        port.disconnect();
      },
    );
  });
}
