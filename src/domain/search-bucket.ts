/**
 * How one bucket of the search index (projections/search-index.ts) is kept: its entries' ids, texts and
 * requestedAt. Ids and texts are each stored as ONE joined string: Chromium reads a bucket of two strings 2–3x faster
 * than one of hundreds (docs/decisions/0061-search-index.md). Buckets written before that hold arrays; both read.
 */
export interface StoredBucket {
  bucket: number;
  ids: string | string[];
  texts: string | string[];
  at: number[];
}

/** A bucket's entries as parallel arrays. */
export interface BucketEntries {
  ids: string[];
  texts: string[];
  at: number[];
}

/** Between entries; never inside one (`storedBucket` replaces it there). */
const SEPARATOR = '\u0000';

const split = (value: string | string[]): string[] => (typeof value !== 'string' ? value : value === '' ? [] : value.split(SEPARATOR));

export function bucketEntries(row: StoredBucket): BucketEntries {
  return { ids: split(row.ids), texts: split(row.texts), at: row.at };
}

export function storedBucket(bucket: number, entries: BucketEntries): StoredBucket {
  const join = (values: string[]) => values.map((value) => value.replaceAll(SEPARATOR, ' ')).join(SEPARATOR);
  return { bucket, ids: join(entries.ids), texts: join(entries.texts), at: entries.at };
}
