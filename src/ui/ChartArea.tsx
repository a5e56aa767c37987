import { type ReactNode, useRef, useState } from 'react';
import { useInView } from '../app/in-view';

/**
 * A chart's drawing area. The chart in it is built the first time the area comes into view, and
 * while the area is out of view (a hidden tab, scrolled far away) it is held as it was last
 * drawn: recharts neither builds nor redraws a chart nobody can see (in a hidden tab it would
 * measure a box of 0 x 0, warn, and redraw at every new point of the run).
 */
export function ChartArea({ children }: { children: ReactNode }) {
  const area = useRef<HTMLDivElement>(null);
  const inView = useInView(area);
  // The chart as last drawn in view. Out of view the same element is given back, so React
  // skips the whole chart.
  const [drawn, setDrawn] = useState<ReactNode>(null);
  if (inView && drawn !== children) setDrawn(children);
  return (
    <div className="chart-body" ref={area}>
      {inView ? children : drawn}
    </div>
  );
}
