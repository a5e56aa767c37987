import { type PointerEvent, useEffect, useRef } from 'react';
import { drawingToImage, MNIST_DRAWING, type Stroke } from '../shared/drawing';
import { setDrawing } from './drawing-client';
import { setInterpolation } from './interpolation';
import { setPoint } from './pad-decoding';
import { setTraversal } from './traversal';
import { useExplorerStore } from './explorer-store';
import { clampToRange, zToPlane } from '../../../shared/latent';
import { GridCanvas } from '../../../ui/GridCanvas';

/** Backing pixels of the drawing surface (CSS scales it). */
const PAD_PIXELS = 280;
/**
 * The pen on the surface: a digit drawn across most of the surface is scaled to MNIST's 20-pixel
 * box, so a pen as wide, relative to the surface, as MNIST's is to its 28-pixel field looks like
 * what the encoder will see.
 */
const PEN = (PAD_PIXELS * MNIST_DRAWING.penWidth) / MNIST_DRAWING.size;
/** While a stroke is drawn, the image is encoded at most this often. */
const LIVE_MS = 150;

/**
 * Keeps a stroke's pointer events on the surface when the pen leaves it. A pointer the browser
 * no longer knows (lifted meanwhile) cannot be captured; the stroke then simply ends on it.
 */
function capture(event: PointerEvent<HTMLCanvasElement>, on: boolean) {
  try {
    if (on) event.currentTarget.setPointerCapture(event.pointerId);
    else event.currentTarget.releasePointerCapture(event.pointerId);
  } catch {
    // Not capturable: nothing to keep.
  }
}

/** The drawing's code, μ and σ per latent dimension. */
function CodeTable({ mu, sigma }: { mu: Float32Array; sigma: Float32Array }) {
  return (
    <div className="drawing-code">
      <table aria-label="Code of the drawing">
        <thead>
          <tr>
            <th scope="col">z</th>
            <th scope="col">μ</th>
            <th scope="col">σ</th>
          </tr>
        </thead>
        <tbody>
          {Array.from(mu, (m, j) => (
            <tr key={j}>
              <th scope="row">z{j + 1}</th>
              <td>{m.toFixed(2)}</td>
              <td>{sigma[j]!.toFixed(2)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/**
 * Draw your own input: a surface for mouse, touch and pen; the strokes become an MNIST-like
 * 28×28 image (20-pixel box, centre of mass in the middle, MNIST's stroke width), which the
 * explorer worker encodes (μ and σ shown) and reconstructs. The code can be shown on the pad,
 * used as an end of the interpolation or traversed around.
 */
export function DrawingPad() {
  const loaded = useExplorerStore((s) => s.loaded);
  const view = useExplorerStore((s) => s.drawingView);
  const drawing = useExplorerStore((s) => s.drawing);
  const scatter = useExplorerStore((s) => s.scatter);
  const canvasRef = useRef<HTMLCanvasElement>(null);
  const strokes = useRef<Stroke[]>([]);
  const drawingNow = useRef(false);
  const lastSent = useRef(0);
  const usable =
    loaded !== null &&
    loaded.image.channels === 1 &&
    loaded.image.width === MNIST_DRAWING.size &&
    loaded.image.height === MNIST_DRAWING.size;

  const paintBackground = () => {
    const ctx = canvasRef.current?.getContext('2d');
    if (!ctx) return;
    ctx.fillStyle = '#000';
    ctx.fillRect(0, 0, PAD_PIXELS, PAD_PIXELS);
  };
  useEffect(paintBackground, []);

  /** The strokes so far as the encoder's image, sent on (null when nothing is drawn). */
  const send = () => {
    lastSent.current = performance.now();
    setDrawing(drawingToImage(strokes.current));
  };

  const pointOf = (event: PointerEvent<HTMLCanvasElement>) => {
    const rect = event.currentTarget.getBoundingClientRect();
    return {
      x: ((event.clientX - rect.left) / rect.width) * PAD_PIXELS,
      y: ((event.clientY - rect.top) / rect.height) * PAD_PIXELS,
    };
  };

  const addPoint = (p: { x: number; y: number }) => {
    const stroke = strokes.current[strokes.current.length - 1];
    const ctx = canvasRef.current?.getContext('2d');
    if (!stroke || !ctx) return;
    const last = stroke[stroke.length - 1] ?? p;
    stroke.push(p);
    ctx.strokeStyle = '#fff';
    ctx.fillStyle = '#fff';
    ctx.lineWidth = PEN;
    ctx.lineCap = 'round';
    ctx.lineJoin = 'round';
    ctx.beginPath();
    ctx.moveTo(last.x, last.y);
    ctx.lineTo(p.x, p.y);
    ctx.stroke();
    if (stroke.length === 1) {
      ctx.beginPath();
      ctx.arc(p.x, p.y, PEN / 2, 0, 2 * Math.PI);
      ctx.fill();
    }
  };

  const clear = () => {
    strokes.current = [];
    paintBackground();
    setDrawing(null);
  };

  const handOn = (to: 'a' | 'b') => {
    const { interpolation } = useExplorerStore.getState();
    setInterpolation({ ...interpolation, [to === 'a' ? 'aFrom' : 'bFrom']: 'drawing' });
  };

  const moveHandle = () => {
    if (!view || !scatter) return;
    const p = zToPlane(scatter.plane, view.mu);
    const { x, y } = clampToRange(p.x, p.y, scatter.range);
    setPoint(x, y);
  };

  const stale = view !== null && loaded !== null && view.step !== loaded.step;
  return (
    <section className="drawing" aria-labelledby="drawing-heading">
      <h3 id="drawing-heading">Draw your own input</h3>
      {!usable && loaded && (
        <p className="hint" role="status">
          The drawing pad draws 28×28 grey digits; this model learns {loaded.image.width}×
          {loaded.image.height} {loaded.image.channels === 3 ? 'colour' : 'grey'} images.
        </p>
      )}
      <div className="drawing__row">
        <div
          className="drawing__surface"
          role="application"
          aria-label="Drawing pad"
          aria-describedby="drawing-hint"
          aria-disabled={!usable}
        >
          <canvas
            ref={canvasRef}
            width={PAD_PIXELS}
            height={PAD_PIXELS}
            data-testid="drawing-surface"
            data-strokes={drawing ? 'drawn' : 'blank'}
            onPointerDown={(event) => {
              if (!usable || event.button !== 0) return;
              capture(event, true);
              drawingNow.current = true;
              strokes.current.push([]);
              addPoint(pointOf(event));
            }}
            onPointerMove={(event) => {
              if (!drawingNow.current) return;
              // Fast strokes arrive as several events per frame: keep every point.
              const events = event.nativeEvent.getCoalescedEvents?.() ?? [];
              if (events.length > 1) {
                const rect = event.currentTarget.getBoundingClientRect();
                for (const e of events) {
                  addPoint({
                    x: ((e.clientX - rect.left) / rect.width) * PAD_PIXELS,
                    y: ((e.clientY - rect.top) / rect.height) * PAD_PIXELS,
                  });
                }
              } else {
                addPoint(pointOf(event));
              }
              if (performance.now() - lastSent.current >= LIVE_MS) send();
            }}
            onPointerUp={(event) => {
              if (!drawingNow.current) return;
              drawingNow.current = false;
              capture(event, false);
              send();
            }}
            onPointerCancel={() => {
              if (!drawingNow.current) return;
              drawingNow.current = false;
              send();
            }}
          />
          <p id="drawing-hint" className="small muted">
            Draw a digit with the mouse, a finger or a pen.
          </p>
          <button type="button" onClick={clear} disabled={!drawing}>
            Clear
          </button>
        </div>
        <figure className="drawing__seen">
          <div className="pair">
            <GridCanvas
              grid={view?.input}
              label="Drawing as the encoder sees it"
              testId="drawing-input"
              className="cell"
            />
            <GridCanvas
              grid={view?.recon}
              label="Reconstruction of the drawing"
              testId="drawing-recon"
              className="cell"
              step={view?.step}
            />
          </div>
          <figcaption data-testid="drawing-caption">
            {view
              ? `Your drawing as a 28×28 image (20-pixel box, centre of mass in the middle) and its reconstruction Dec(μ(x)), weights of step ${view.step}${stale ? ' (updating…)' : ''}`
              : drawing
                ? 'Encoding…'
                : 'Draw on the pad: the 28×28 image the encoder reads and its reconstruction appear here.'}
          </figcaption>
          {view && (
            <div className="button-row">
              <button type="button" onClick={() => handOn('a')}>
                Use as interpolation end A
              </button>
              <button type="button" onClick={() => handOn('b')}>
                Use as interpolation end B
              </button>
              <button type="button" onClick={moveHandle} disabled={!scatter}>
                Move the pad&apos;s handle to its code
              </button>
              <button
                type="button"
                onClick={() =>
                  setTraversal({ ...useExplorerStore.getState().traversal, around: 'drawing' })
                }
              >
                Traverse around it
              </button>
            </div>
          )}
        </figure>
        {view && <CodeTable mu={view.mu} sigma={view.sigma} />}
      </div>
    </section>
  );
}
