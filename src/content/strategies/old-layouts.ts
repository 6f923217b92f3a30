/**
 * The strategies of the layouts Google no longer serves by default (2018 `rg_meta`, 2020-23 `af_init_data`), most
 * reliable first. The content script loads this module only on a page that has such results (the bytes of every
 * other page are the content script's budget, issue 4); `findResults` always has them.
 */
import { fromAfInitData } from './af-init-data.ts';
import type { InlineImages } from './inline-data.ts';
import type { Outcome } from './outcome.ts';
import type { ResultEntry } from './result-elements.ts';
import { fromRgMeta } from './rg-meta.ts';

export const OLD_LAYOUT_STRATEGIES: ReadonlyArray<(entry: ResultEntry, images: () => InlineImages) => Outcome | null> = [
  (entry) => fromRgMeta(entry),
  fromAfInitData,
];

