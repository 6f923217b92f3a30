/**
 * A list that draws only the rows in view (plus a few): 10,000 downloads cost as much as 20. Rows have one fixed
 * height; the list is its own scroll container, and spacers above and below keep the scrollbar honest. The markup
 * is windowed-rows.tsx's; this adds the state (scroll position, measured height).
 */
import type { ComponentChildren } from 'preact';
import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import { WindowedRows } from './windowed-rows.tsx';

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
  // The list may be one that was drawn before (the popup's first screen) and already scrolled: start from there.
  useLayoutEffect(() => {
    const at = ref.current?.scrollTop ?? 0;
    if (at !== 0) setScrollTop(at);
  }, []);
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
  return (
    <WindowedRows
      items={items}
      rowHeight={rowHeight}
      itemKey={itemKey}
      renderItem={renderItem}
      label={label}
      class={className}
      scrollTop={scrollTop}
      height={height}
      listRef={ref}
      onScroll={setScrollTop}
    />
  );
}
