/**
 * Sidecar metadata (a setting, off by default): a JSON file beside each saved image — where it came from, what it
 * is, its SHA-256, when and by which user action (docs/decisions/0048-sidecar-metadata.md). Pure: the saga's
 * state and the time come in; the transfer side makes the Blob.
 */
import type { DownloadState } from './download.ts';

/** The sidecar's path: the image's own, with `.json` after its extension (`Semantest/cat.png.json`). */
export function sidecarPath(imagePath: string): string {
  return `${imagePath}.json`;
}

export function sidecarJson(state: DownloadState, imagePath: string, now: number): string {
  const request = state.request;
  const size = state.declaredSize ?? (request.width && request.height ? { width: request.width, height: request.height } : null);
  const converted = state.convertedTo ?? null;
  return JSON.stringify(
    {
      file: imagePath.split('/').pop() ?? imagePath,
      imageUrl: request.imageUrl,
      // The address the bytes came from: a bigger original's, when one was chosen.
      fetchedFrom: state.bigger?.outcome === 'chosen' ? state.bigger.url : request.imageUrl,
      sourcePage: request.sourcePageUrl ?? null,
      query: request.query ?? null,
      title: request.title ?? null,
      width: size?.width ?? null,
      height: size?.height ?? null,
      mimeType: converted ?? state.mimeType,
      // The saved file's hash; a converted file's bytes are new, so then only the original's is known.
      sha256: converted ? null : (state.contentHash ?? null),
      originalSha256: state.contentHash ?? null,
      savedAt: new Date(now).toISOString(),
      correlationId: state.correlationId,
      downloadId: state.streamId,
    },
    null,
    2,
  );
}
