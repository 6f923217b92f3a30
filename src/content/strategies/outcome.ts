/** What one strategy says about one result: the original, a reason it has none, or nothing (it does not apply). */
import type { ImageCandidate, Strategy } from '../../domain/events.ts';
import { toHttpUrl, toThumbnailUrl, toTitle } from './url.ts';

export type FoundCandidate = Omit<ImageCandidate, 'query' | 'pageUrl'>;

export type Outcome = { found: FoundCandidate } | { problem: string };

/** Fields every strategy may fill; unknown ones are left out. */
export interface CandidateFields {
  imageUrl: string;
  thumbnailUrl?: string | null | undefined;
  sourcePageUrl?: string | null | undefined;
  title?: string | null | undefined;
  width?: number | undefined;
  height?: number | undefined;
}

/** A candidate with only valid, known fields (imageUrl must already be a checked http(s) URL). */
export function makeCandidate(strategy: Strategy, fields: CandidateFields): FoundCandidate {
  const candidate: FoundCandidate = { imageUrl: fields.imageUrl, strategy };
  const thumbnailUrl = toThumbnailUrl(fields.thumbnailUrl);
  if (thumbnailUrl) candidate.thumbnailUrl = thumbnailUrl;
  const sourcePageUrl = toHttpUrl(fields.sourcePageUrl);
  if (sourcePageUrl) candidate.sourcePageUrl = sourcePageUrl;
  const title = toTitle(fields.title);
  if (title) candidate.title = title;
  if (fields.width !== undefined) candidate.width = fields.width;
  if (fields.height !== undefined) candidate.height = fields.height;
  return candidate;
}

/** What the page says about a result before any strategy runs; strategies' own data override it. */
export interface ResultBase {
  element: HTMLElement;
  thumbnail: HTMLImageElement;
  thumbnailUrl: string | undefined;
  title: string | undefined;
  sourcePageUrl: string | undefined;
}

export function withBase(base: ResultBase, fields: CandidateFields): CandidateFields {
  return {
    imageUrl: fields.imageUrl,
    thumbnailUrl: fields.thumbnailUrl ?? base.thumbnailUrl,
    sourcePageUrl: toHttpUrl(fields.sourcePageUrl) ?? base.sourcePageUrl,
    title: toTitle(fields.title) ?? base.title,
    width: fields.width,
    height: fields.height,
  };
}
