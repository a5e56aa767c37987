import { useExplorerStore } from './explorer-store';
import { planeToPad, zToPlane } from '../../../shared/latent';

/**
 * Where the drawing's code μ lies on the current plane, marked over the latent pad or the
 * scatter (both span the same range). A code outside the range sits on the edge, hollow.
 */
export function DrawingMarker({ testId }: { testId: string }) {
  const view = useExplorerStore((s) => s.drawingView);
  const scatter = useExplorerStore((s) => s.scatter);
  if (!view || !scatter || view.mu.length !== scatter.latentDim) return null;
  const p = zToPlane(scatter.plane, view.mu);
  const { px, py } = planeToPad(p.x, p.y, 1, 1, scatter.range);
  const inside = px >= 0 && px <= 1 && py >= 0 && py <= 1;
  const clamp = (v: number) => Math.min(1, Math.max(0, v));
  return (
    <div
      className={`drawing-marker${inside ? '' : ' drawing-marker--outside'}`}
      data-testid={testId}
      data-x={p.x}
      data-y={p.y}
      data-inside={inside}
      title={`The drawing's code: ${scatter.axisNames[0]} ${p.x.toFixed(2)}, ${scatter.axisNames[1]} ${p.y.toFixed(2)}`}
      aria-hidden="true"
      style={{ left: `${clamp(px) * 100}%`, top: `${clamp(py) * 100}%` }}
    />
  );
}
