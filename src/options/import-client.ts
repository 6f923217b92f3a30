/**
 * The options page's end of the import port (src/background/import-port.ts): it streams the chosen file to the
 * worker a chunk at a time, as asked, and returns the worker's report. The file is read from disk for each
 * reading the worker makes (it reads it twice), never held whole.
 */
import { connectToWorker } from '../platform/worker-port.ts';
import { IMPORT_PORT, type ImportPortAnswer } from '../shared/protocol.ts';

/** What one `import.chunk` carries: big enough for few messages, small enough for a bounded memory. */
const CHUNK_BYTES = 1_048_576;

export type ImportOutcome = Extract<ImportPortAnswer, { type: 'import.report' }>['report'];

/** `onProgress(done, total)`: bytes sent over both readings, out of twice the file's size. */
export function importThroughWorker(file: Blob, onProgress?: (done: number, total: number) => void): Promise<ImportOutcome> {
  return new Promise((resolve, reject) => {
    const port = connectToWorker(IMPORT_PORT);
    let settled = false;
    let reading = 0;
    let offset = 0;
    let decoder = new TextDecoder('utf-8');
    const finish = (error: Error | null, report?: ImportOutcome): void => {
      if (settled) return;
      settled = true;
      if (error) reject(error);
      else resolve(report as ImportOutcome);
    };
    const send = async (wanted: number): Promise<void> => {
      if (wanted !== reading) {
        // A new reading starts from the first byte.
        reading = wanted;
        offset = 0;
        decoder = new TextDecoder('utf-8');
      }
      const end = Math.min(file.size, offset + CHUNK_BYTES);
      const bytes = new Uint8Array(await file.slice(offset, end).arrayBuffer());
      offset = end;
      const done = offset >= file.size;
      const text = decoder.decode(bytes, { stream: !done });
      onProgress?.((reading - 1) * file.size + offset, 2 * file.size);
      port.post({ type: 'import.chunk', reading, text, bytes: offset, done });
    };
    port.onMessage((raw) => {
      const message = raw as ImportPortAnswer;
      if (message.type === 'import.next') send(message.reading).catch((error: unknown) => finish(error instanceof Error ? error : new Error(String(error))));
      else if (message.type === 'import.report') finish(null, message.report);
      else if (message.type === 'import.failed') finish(new Error(message.error));
    });
    port.onDisconnect((error) => finish(new Error(error ?? 'Semantest stopped before the import finished.')));
    port.post({ type: 'import.begin', size: file.size });
  });
}
