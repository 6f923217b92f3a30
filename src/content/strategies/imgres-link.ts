/**
 * `/imgres?imgurl=<original>&imgrefurl=<page>&w=..&h=..` links: the whole basic HTML layout, and the link Google
 * sets on a result when the pointer is over it in the others.
 */
import { makeCandidate, withBase, type Outcome, type ResultBase } from './outcome.ts';
import { IMGRES_LINK_SELECTOR } from './result-elements.ts';
import { describeBadUrl, toOriginalUrl, toPixels } from './url.ts';
import { t } from '../../platform/content-i18n.ts';

/** The parsed `/imgres` address of `link` (relative hrefs resolve against the document), or null. */
function imgresParams(link: Element, baseUrl: string): URLSearchParams | null {
  const href = link.getAttribute('href');
  if (!href) return null;
  try {
    const url = new URL(href, baseUrl);
    return url.pathname.endsWith('/imgres') ? url.searchParams : null;
  } catch {
    return null;
  }
}

export function fromImgresLink(result: ResultBase, baseUrl: string): Outcome | null {
  const { element } = result;
  const links = element.matches(IMGRES_LINK_SELECTOR) ? [element] : element.querySelectorAll(IMGRES_LINK_SELECTOR);
  let problem: string | null = null;
  for (const link of links) {
    const params = imgresParams(link, baseUrl);
    if (!params) continue;
    const original = params.get('imgurl');
    if (original === null) {
      problem ??= t('cLinkNoUrl');
      continue;
    }
    const imageUrl = toOriginalUrl(original);
    if (!imageUrl) {
      problem ??= t('cLinkBad', describeBadUrl(original));
      continue;
    }
    return {
      found: makeCandidate('imgres_link', withBase(result, {
        imageUrl,
        sourcePageUrl: params.get('imgrefurl'),
        width: toPixels(params.get('w')),
        height: toPixels(params.get('h')),
      })),
    };
  }
  return problem === null ? null : { problem };
}
