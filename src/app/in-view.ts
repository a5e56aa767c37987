import { type RefObject, useEffect, useState } from 'react';

/** How far outside the viewport a panel still counts as in view (it catches up before it shows). */
const VIEW_MARGIN = '200px';

/**
 * Calls `onChange` whenever `element` comes into view or leaves it (within VIEW_MARGIN), so a
 * panel can hold work nobody can see. Returns the function that stops watching; without
 * IntersectionObserver (tests, old browsers) nothing is watched and the panel counts as in view.
 */
export function watchInView(element: Element, onChange: (inView: boolean) => void): () => void {
  if (typeof IntersectionObserver === 'undefined') return () => undefined;
  const observer = new IntersectionObserver(
    (entries) => onChange(entries.some((e) => e.isIntersecting)),
    { rootMargin: VIEW_MARGIN },
  );
  observer.observe(element);
  return () => observer.disconnect();
}

/**
 * Whether `ref`'s element is in view (watchInView): false until the first report, so nothing
 * is built for an element that starts hidden; true where IntersectionObserver is missing.
 */
export function useInView(ref: RefObject<Element | null>): boolean {
  const [inView, setInView] = useState(() => typeof IntersectionObserver === 'undefined');
  useEffect(() => {
    const element = ref.current;
    if (!element) return;
    return watchInView(element, setInView);
  }, [ref]);
  return inView;
}

/**
 * Whether `ref`'s element takes up room on the page (not in a hidden tab, not display: none),
 * followed with a ResizeObserver; true where ResizeObserver is missing.
 */
export function useHasBox(ref: RefObject<Element | null>): boolean {
  const [hasBox, setHasBox] = useState(() => typeof ResizeObserver === 'undefined');
  useEffect(() => {
    const element = ref.current;
    if (!element || typeof ResizeObserver === 'undefined') return;
    const observer = new ResizeObserver(([entry]) =>
      setHasBox(entry!.contentRect.width > 0 && entry!.contentRect.height > 0),
    );
    observer.observe(element);
    return () => observer.disconnect();
  }, [ref]);
  return hasBox;
}
