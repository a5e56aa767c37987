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
