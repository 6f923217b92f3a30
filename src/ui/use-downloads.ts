/**
 * A preact hook over the downloads read model (downloads-reader.ts) that follows the worker's writes.
 * First the newest `firstScreen` rows (one request: the popup's first paint), then, after that paint, the whole
 * history in pages (`complete` becomes true). A change announced by another context re-reads only what it can be
 * about (the newest rows, and rows whose phase can still change) and merges it; a full re-read follows when the
 * changes settle, for the rare change elsewhere (a discard, an import, a rebuild).
 */
import { useLayoutEffect, useRef, useState } from 'preact/hooks';
import type { DownloadState } from '../domain/download.ts';
import { mergeRows, onDownloadsChanged, readAll, readChangedSince, readNewest } from './downloads-reader.ts';

export type History = { status: 'loading' } | { status: 'ready'; rows: DownloadState[]; complete: boolean } | { status: 'error'; error: string };

const FULL_REFRESH_AFTER_MS = 1500;
const FULL_READ_DELAY_MS = 250;
/** How far before the newest change seen a change read looks again (appends are stamped before they commit). */
const CHANGE_MARGIN_MS = 5000;

const message = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/**
 * `early`: the first screen's read, started by the page before its first render (so the database opens while
 * preact renders the shell, not after its effects run).
 */
export function useDownloads(firstScreen: number, early?: Promise<DownloadState[]>, ready?: DownloadState[]): [History, () => void] {
  // `ready`: the first screen's rows when they were read before the first render (the boot script's read).
  const [state, setState] = useState<History>(ready ? { status: 'ready', rows: ready, complete: false } : { status: 'loading' });
  // Called when the user is about to search: the whole history is read at once, not after the first paint's pause.
  const hurry = useRef<() => void>(() => undefined);
  const hurried = useRef(false);
  // A layout effect runs right after the first render; a plain effect would wait for the next frame, and the first
  // screen's rows may arrive before it.
  useLayoutEffect(() => {
    const signal = { aborted: false };
    let rows: DownloadState[] = ready ?? [];
    let complete = false;
    let busy: Promise<void> = Promise.resolve();
    let fullTimer: ReturnType<typeof setTimeout> | undefined;
    let seen = Date.now();
    const publish = () => {
      if (!signal.aborted) setState({ status: 'ready', rows, complete });
    };
    const fail = (error: unknown) => {
      if (!signal.aborted) setState({ status: 'error', error: message(error) });
    };
    // One read at a time, in order: a merge never races a full read.
    const queue = (work: () => Promise<void>) => {
      busy = busy.then(work).catch(fail);
    };
    const readEverything = async () => {
      const all = await readAll(signal, (part) => {
        // The newest part of the history so far: shown (and searched) while the rest is read.
        if (part.length > rows.length) {
          rows = part;
          publish();
        }
      });
      if (all === null) return;
      rows = all;
      complete = true;
      publish();
    };

    queue(async () => {
      if (!ready) {
        rows = await (early ?? readNewest(firstScreen));
        publish();
      }
      if (signal.aborted) return;
      // After the first screen is painted, and a moment later: reading 10,000 rows keeps the database busy for a
      // while (measured: ~0.3-1 s per 1,000 rows on a loaded 2-core machine), which would hold up that paint, the
      // thumbnails, and the next popup's first read if this one is closed at once.
      // A search does not wait for that: `hurry` ends the pause (the search answers from each page as it arrives).
      await new Promise<void>((resolve) => {
        if (hurried.current) return resolve();
        const timer = setTimeout(resolve, FULL_READ_DELAY_MS + 50);
        requestAnimationFrame(() => setTimeout(resolve, FULL_READ_DELAY_MS));
        hurry.current = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      hurry.current = () => undefined;
      await readEverything();
    });

    const stop = onDownloadsChanged(() =>
      queue(async () => {
        // Streams appended to since a little before the last change seen: an append stamped earlier may commit
        // later (group commit); the full re-read after changes stop is the backstop for anything else.
        const changed = await readChangedSince(seen - CHANGE_MARGIN_MS);
        seen = Math.max(seen, changed.latest);
        rows = mergeRows(rows, changed.rows, changed.gone);
        publish();
        if (!complete) return;
        if (fullTimer !== undefined) clearTimeout(fullTimer);
        fullTimer = setTimeout(() => queue(readEverything), FULL_REFRESH_AFTER_MS);
      }),
    );
    return () => {
      signal.aborted = true;
      if (fullTimer !== undefined) clearTimeout(fullTimer);
      stop();
    };
  }, [firstScreen]);
  return [
    state,
    () => {
      hurried.current = true;
      hurry.current();
    },
  ];
}
