export type ScrollKind = 'real' | 'new' | 'page-duplicate' | 'content-duplicate' | '404' | 'html';
export interface ScrollEntry {
  index: number;
  docid: string;
  kind: ScrollKind;
  local: string;
  width: number;
  height: number;
  /** An added result's real result of the same place (its size, and its original for a duplicate). */
  source?: number;
}
export function withLocalOriginals(raw: string): { html: string; results: Array<{ docid: string; local: string; width: number; height: number }> };
export function mixedKind(i: number): ScrollKind;
export function scrollingPage(raw: string, options?: { extra?: number; kindOf?: (i: number) => ScrollKind; localOf?: (i: number, kind: ScrollKind) => string }): { html: string; results: ScrollEntry[] };
