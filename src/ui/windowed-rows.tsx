/**
 * The markup of a windowed list (windowed-list.tsx), as a pure component: the rows in view (plus a few) between
 * two spacers. Pure so that the popup's first-screen script can draw the same list without preact (dom-jsx.ts).
 */
import type { ComponentChildren, Ref } from 'preact';
import { visibleRange } from './history-filter.ts';

export interface WindowedRowsProps<T> {
  items: readonly T[];
  rowHeight: number;
  itemKey: (item: T) => string;
  renderItem: (item: T, index: number) => ComponentChildren;
  label: string;
  class?: string;
  scrollTop: number;
  height: number;
  listRef?: Ref<HTMLUListElement>;
  onScroll?: (scrollTop: number) => void;
}

export function WindowedRows<T>({ items, rowHeight, itemKey, renderItem, label, class: className, scrollTop, height, listRef, onScroll }: WindowedRowsProps<T>) {
  const { start, end } = visibleRange(scrollTop, height, rowHeight, items.length);
  return (
    <ul
      ref={listRef}
      class={className}
      aria-label={label}
      data-total={items.length}
      onScroll={onScroll && ((event) => onScroll((event.currentTarget as HTMLElement).scrollTop))}
    >
      {start > 0 && <li aria-hidden="true" class="spacer" style={{ height: `${start * rowHeight}px` }} />}
      {items.slice(start, end).map((item, offset) => (
        <li key={itemKey(item)} class="row" style={{ height: `${rowHeight}px` }} aria-setsize={items.length} aria-posinset={start + offset + 1}>
          {renderItem(item, start + offset)}
        </li>
      ))}
      {end < items.length && <li aria-hidden="true" class="spacer" style={{ height: `${(items.length - end) * rowHeight}px` }} />}
    </ul>
  );
}
