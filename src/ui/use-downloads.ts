/** A preact hook over `readDownloads` that follows the worker's writes (see downloads-reader.ts). */
import { useEffect, useState } from 'preact/hooks';
import type { DownloadState } from '../domain/download.ts';
import { onDownloadsChanged, readDownloads } from './downloads-reader.ts';
import type { Live } from './live.ts';

export function useDownloads(limit: number | null, enabled = true): Live<DownloadState[]> {
  const [state, setState] = useState<Live<DownloadState[]>>({ status: 'loading' });
  useEffect(() => {
    if (!enabled) return undefined;
    let alive = true;
    let reading = false;
    let again = false;
    const read = async (): Promise<void> => {
      if (reading) {
        again = true;
        return;
      }
      reading = true;
      try {
        const value = await readDownloads(limit);
        if (alive) setState({ status: 'ready', value });
      } catch (error) {
        if (alive) setState({ status: 'error', error: error instanceof Error ? error.message : String(error) });
      } finally {
        reading = false;
        if (again && alive) {
          again = false;
          void read();
        }
      }
    };
    void read();
    const stop = onDownloadsChanged(() => void read());
    return () => {
      alive = false;
      stop();
    };
  }, [limit, enabled]);
  return state;
}
