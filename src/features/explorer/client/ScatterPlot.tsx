import { type MouseEvent, useEffect, useRef, useState } from 'react';
import { selectTestImage } from './selection';
import { type ExplorerState, useExplorerStore } from './explorer-store';
import { planeToPad } from '../../../shared/latent';
import { classColour } from '../../../ui/palette';
import { DrawingMarker } from './DrawingMarker';

const PIXELS = 320;
/** A click selects the nearest point within this many CSS pixels. */
const HIT_RADIUS = 8;

/**
 * The encoded test set on the pad's plane, coloured by label, on the same axes and range as the
 * pad. Clicking a point selects that test image and moves the pad's handle onto it.
 */
export function ScatterPlot() {
  const scatter = useExplorerStore((s) => s.scatter);
  const selected = useExplorerStore((s) => s.selected);
  const classes = useExplorerStore((s) => s.loaded?.classes);
  const canvasRef = useRef<HTMLCanvasElement>(null);
  const markerRef = useRef<HTMLDivElement>(null);
  const [miss, setMiss] = useState(false);

  useEffect(() => {
    const ctx = canvasRef.current?.getContext('2d');
    if (!ctx) return;
    ctx.fillStyle = '#0f172a';
    ctx.fillRect(0, 0, PIXELS, PIXELS);
    if (!scatter) return;
    for (let i = 0; i < scatter.count; i++) {
      const { px, py } = planeToPad(
        scatter.coords[2 * i]!,
        scatter.coords[2 * i + 1]!,
        PIXELS,
        PIXELS,
        scatter.range,
      );
      ctx.fillStyle = classColour(scatter.labels[i]!);
      ctx.fillRect(Math.round(px) - 1, Math.round(py) - 1, 3, 3);
    }
    if (selected !== null && selected < scatter.count) {
      const { px, py } = planeToPad(
        scatter.coords[2 * selected]!,
        scatter.coords[2 * selected + 1]!,
        PIXELS,
        PIXELS,
        scatter.range,
      );
      ctx.strokeStyle = '#ffffff';
      ctx.lineWidth = 2;
      ctx.beginPath();
      ctx.arc(px, py, 6, 0, 2 * Math.PI);
      ctx.stroke();
    }
  }, [scatter, selected]);

  // The pad's handle, mirrored as a cross on the scatter.
  useEffect(() => {
    const place = (state: ExplorerState) => {
      const marker = markerRef.current;
      if (!marker || !state.scatter) return;
      const { px, py } = planeToPad(state.point.x, state.point.y, 1, 1, state.scatter.range);
      marker.style.left = `${px * 100}%`;
      marker.style.top = `${py * 100}%`;
    };
    place(useExplorerStore.getState());
    return useExplorerStore.subscribe((state, previous) => {
      if (state.point !== previous.point || state.scatter !== previous.scatter) place(state);
    });
  }, []);

  const onClick = (event: MouseEvent<HTMLCanvasElement>) => {
    if (!scatter) return;
    const rect = event.currentTarget.getBoundingClientRect();
    const scale = PIXELS / rect.width;
    const cx = (event.clientX - rect.left) * scale;
    const cy = (event.clientY - rect.top) * scale;
    let best = -1;
    let bestDist = (HIT_RADIUS * scale) ** 2;
    for (let i = 0; i < scatter.count; i++) {
      const { px, py } = planeToPad(
        scatter.coords[2 * i]!,
        scatter.coords[2 * i + 1]!,
        PIXELS,
        PIXELS,
        scatter.range,
      );
      const d = (px - cx) ** 2 + (py - cy) ** 2;
      if (d < bestDist) {
        bestDist = d;
        best = i;
      }
    }
    setMiss(best < 0);
    if (best >= 0) void selectTestImage(best, event.timeStamp);
  };

  const counts = new Map<number, number>();
  if (scatter) for (const label of scatter.labels) counts.set(label, (counts.get(label) ?? 0) + 1);

  return (
    <figure className="scatter">
      <div className="scatter__plot">
        <canvas
          ref={canvasRef}
          width={PIXELS}
          height={PIXELS}
          role="img"
          aria-label="Encoded test images"
          data-testid="latent-scatter"
          data-count={scatter?.count ?? 0}
          data-step={scatter?.step}
          onClick={onClick}
        />
        <div ref={markerRef} className="scatter__marker" aria-hidden="true" hidden={!scatter} />
        <DrawingMarker testId="drawing-marker-scatter" />
      </div>
      <figcaption>
        {scatter
          ? `${scatter.count.toLocaleString('en')} test images at their codes μ(x), on ${scatter.axisNames.join(' × ')} (weights of step ${scatter.step}). Click a point to select it.`
          : 'Encoding the test set…'}
        {miss && (
          <span className="muted" role="status">
            {' '}
            No test image there: click on a point.
          </span>
        )}
      </figcaption>
      {classes && (
        <ul className="legend" aria-label="Classes">
          {classes.map((name, label) => (
            <li key={label}>
              <span
                className="legend__swatch"
                style={{ background: classColour(label) }}
                aria-hidden="true"
              />
              {name} <span className="muted">({counts.get(label) ?? 0})</span>
            </li>
          ))}
        </ul>
      )}
    </figure>
  );
}
