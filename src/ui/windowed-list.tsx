/**
 * A list that draws only the rows in view (plus a few): 10,000 downloads cost as much as 20. Rows have one fixed
 * height; the list is its own scroll container, and spacers above and below keep the scrollbar honest.
 */
import type { ComponentChildren } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { visibleRange } from './history-filter.ts';

export interface WindowedListProps<T> {
  items: readonly T[];
  rowHeight: number;
  /** Height used before the list could measure itself. */
  initialHeight: number;
  itemKey: (item: T) => string;
  renderItem: (item: T, index: number) => ComponentChildren;
  label: string;
  class?: string;
}

export function WindowedList<T>({ items, rowHeight, initialHeight, itemKey, renderItem, label, class: className }: WindowedListProps<T>) {
  const ref = useRef<HTMLUListElement>(null);
  const [scrollTop, setScrollTop] = useState(0);
  const [height, setHeight] = useState(initialHeight);
  useEffect(() => {
    const element = ref.current;
    if (!element) return;
    const observer = new ResizeObserver(() => setHeight(element.clientHeight || initialHeight));
    observer.observe(element);
    return () => observer.disconnect();
  }, []);
  // A new filter result starts at the top.
  useEffect(() => {
    if (ref.current && ref.current.scrollTop > items.length * rowHeight) {
      ref.current.scrollTop = 0;
      setScrollTop(0);
    }
  }, [items.length]);
  const { start, end } = visibleRange(scrollTop, height, rowHeight, items.length);
  return (
    <ul
      ref={ref}
      class={className}
      aria-label={label}
      data-total={items.length}
      onScroll={(event) => setScrollTop((event.currentTarget as HTMLElement).scrollTop)}
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
