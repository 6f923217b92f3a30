/**
 * 2018 – early 2020 (`tbm=isch`): each result carries its data as JSON in `div.rg_meta`:
 * `ou` original, `ow`/`oh` its size, `ru` source page, `tu` thumbnail, `pt` title.
 */
import { makeCandidate, withBase, type Outcome, type ResultBase } from './outcome.ts';
import { describeBadUrl, toOriginalUrl, toPixels } from './url.ts';
import { t } from '../../platform/content-i18n.ts';

function parseMeta(text: string): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(text);
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

export function fromRgMeta(result: ResultBase): Outcome | null {
  const meta = result.element.querySelector('.rg_meta');
  if (!meta) return null;
  const data = parseMeta(meta.textContent ?? '');
  if (!data) return { problem: t('cMetaJson') };
  const original = data['ou'];
  if (typeof original !== 'string') return { problem: t('cMetaNoUrl') };
  const imageUrl = toOriginalUrl(original);
  if (!imageUrl) return { problem: t('cMetaBad', describeBadUrl(original)) };
  const found = makeCandidate('rg_meta', withBase(result, {
    imageUrl,
    sourcePageUrl: typeof data['ru'] === 'string' ? data['ru'] : undefined,
    title: typeof data['pt'] === 'string' ? data['pt'] : undefined,
    width: toPixels(data['ow']),
    height: toPixels(data['oh']),
  }));
  // The rendered thumbnail wins (it is what the user sees); `tu` when the image has not been given one yet.
  if (!found.thumbnailUrl && typeof data['tu'] === 'string') {
    return { found: makeCandidate('rg_meta', { ...found, thumbnailUrl: data['tu'] }) };
  }
  return { found };
}
