import { type ReactNode, useRef, useState } from 'react';
import { useHasBox, useInView } from '../app/in-view';

/**
 * A chart's drawing area. The chart in it is built once the area takes up room on the page (so
 * not while its tab is hidden, where it would measure a box of 0 x 0), and while the area is out
 * of view (a hidden tab, scrolled far away) it is held as it was last drawn: nobody sees its
 * redraws there.
 */
export function ChartArea({ children }: { children: ReactNode }) {
  const area = useRef<HTMLDivElement>(null);
  const inView = useInView(area);
  const hasBox = useHasBox(area);
  // The chart as last drawn. Held, the same element is given back, so React skips the chart.
  const [drawn, setDrawn] = useState<ReactNode>(null);
  // In view it follows its data; out of view it is only built, the first time it can be.
  const live = inView || (hasBox && !drawn);
  if (live && drawn !== children) setDrawn(children);
  return (
    <div className="chart-body" ref={area}>
      {live ? children : drawn}
    </div>
  );
}
