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
