import { type KeyboardEvent, type PointerEvent, useEffect, useRef } from 'react';
import { beginInteraction } from '../../../app/interaction';
import { attachDecodedCanvas, setPoint } from './pad-decoding';
import { rangeCentre } from './scatter';
import { toImageData } from '../../../ui/image-data';
import { type ExplorerState, useExplorerStore } from './explorer-store';
import { padToPlane, planeToPad } from '../../../shared/latent';
import { classColour, formatCoord } from '../../../ui/palette';
import { DrawingMarker } from './DrawingMarker';
import { heatColour } from './heat';

/** Backing pixels of the pad's picture (CSS scales it). */
const PAD_PIXELS = 320;

/** Puts the handle where the store says and tells assistive technology where it is. */
function placeHandle(
  pad: HTMLDivElement | null,
  handle: HTMLDivElement | null,
  state: ExplorerState,
) {
  if (!pad || !handle || !state.scatter) return;
  const { x, y } = state.point;
  const [nx, ny] = state.scatter.axisNames;
  const { px, py } = planeToPad(x, y, 1, 1, state.scatter.range);
  handle.style.left = `${px * 100}%`;
  handle.style.top = `${py * 100}%`;
  pad.setAttribute('aria-valuenow', x.toFixed(3));
  pad.setAttribute('aria-valuetext', `${nx} ${formatCoord(x)}, ${ny} ${formatCoord(y)}`);
  pad.dataset.x = String(x);
  pad.dataset.y = String(y);
}

/**
 * The latent pad: a square window on the chosen plane. Drag the handle (pointer, touch) or move
 * it with the arrow keys (Shift: bigger steps, Home: back to the middle of the data); the code under it
 * is decoded beside the pad. Optional background: the plane decoded as a grid of images.
 */
export function LatentPad() {
  const scatter = useExplorerStore((s) => s.scatter);
  const manifold = useExplorerStore((s) => s.manifold);
  const showManifold = useExplorerStore((s) => s.showManifold);
  const dMap = useExplorerStore((s) => s.dMap);
  const padRef = useRef<HTMLDivElement>(null);
  const canvasRef = useRef<HTMLCanvasElement>(null);
  const handleRef = useRef<HTMLDivElement>(null);
  const dragging = useRef(false);
  // Ends the page's drag mode (curves held back) begun by a pointer drag or held arrow key.
  const endDrag = useRef<(() => void) | null>(null);
  const stopDrag = () => {
    endDrag.current?.();
    endDrag.current = null;
  };
  useEffect(() => stopDrag, []);

  // Background: the decoded plane, or the test codes as faint dots, and the base point's axes.
  useEffect(() => {
    const canvas = canvasRef.current;
    const ctx = canvas?.getContext('2d');
    if (!canvas || !ctx) return;
    ctx.fillStyle = '#0f172a';
    ctx.fillRect(0, 0, PAD_PIXELS, PAD_PIXELS);
    if (!scatter) return;
    const { range } = scatter;
    if (showManifold && manifold) {
      const tile = document.createElement('canvas');
      tile.width = manifold.width;
      tile.height = manifold.height;
      tile.getContext('2d')?.putImageData(toImageData(manifold), 0, 0);
      ctx.imageSmoothingEnabled = false;
      ctx.drawImage(tile, 0, 0, PAD_PIXELS, PAD_PIXELS);
    } else {
      ctx.globalAlpha = 0.45;
      for (let i = 0; i < scatter.count; i++) {
        const { px, py } = planeToPad(
          scatter.coords[2 * i]!,
          scatter.coords[2 * i + 1]!,
          PAD_PIXELS,
          PAD_PIXELS,
          range,
        );
        ctx.fillStyle = classColour(scatter.labels[i]!);
        ctx.fillRect(Math.round(px) - 1, Math.round(py) - 1, 2, 2);
      }
      ctx.globalAlpha = 1;
    }
    // D's map over it, see-through, for the plane and range it was computed for.
    if (dMap && dMap.scatter === scatter) {
      const tile = document.createElement('canvas');
      tile.width = dMap.n;
      tile.height = dMap.n;
      const tileCtx = tile.getContext('2d');
      if (tileCtx) {
        const image = tileCtx.createImageData(dMap.n, dMap.n);
        dMap.scores.forEach((score, i) => {
          const [r, g, b] = heatColour(score);
          image.data.set([r, g, b, 255], 4 * i);
        });
        tileCtx.putImageData(image, 0, 0);
        ctx.globalAlpha = showManifold && manifold ? 0.5 : 0.75;
        ctx.imageSmoothingEnabled = true;
        ctx.drawImage(tile, 0, 0, PAD_PIXELS, PAD_PIXELS);
        ctx.globalAlpha = 1;
      }
    }
    // Lines through the base point (plane coordinates 0, 0).
    const origin = planeToPad(0, 0, PAD_PIXELS, PAD_PIXELS, range);
    ctx.strokeStyle = 'rgba(148, 163, 184, 0.5)';
    ctx.setLineDash([4, 4]);
    ctx.beginPath();
    ctx.moveTo(origin.px, 0);
    ctx.lineTo(origin.px, PAD_PIXELS);
    ctx.moveTo(0, origin.py);
    ctx.lineTo(PAD_PIXELS, origin.py);
    ctx.stroke();
    ctx.setLineDash([]);
  }, [scatter, manifold, showManifold, dMap]);

  // The handle follows the store without React renders: it moves on every pointer event.
  useEffect(() => {
    const place = (state: ExplorerState) => placeHandle(padRef.current, handleRef.current, state);
    place(useExplorerStore.getState());
    return useExplorerStore.subscribe((state, previous) => {
      if (state.point !== previous.point || state.scatter !== previous.scatter) place(state);
    });
  }, []);
  // And once more after a render, which may have just shown the handle.
  useEffect(() => {
    placeHandle(padRef.current, handleRef.current, useExplorerStore.getState());
  }, [scatter]);

  const moveTo = (event: PointerEvent<HTMLDivElement>) => {
    const pad = padRef.current;
    if (!pad || !scatter) return;
    const rect = pad.getBoundingClientRect();
    const p = padToPlane(
      event.clientX - rect.left,
      event.clientY - rect.top,
      rect.width,
      rect.height,
      scatter.range,
    );
    setPoint(p.x, p.y, event.timeStamp);
  };

  const onKeyDown = (event: KeyboardEvent<HTMLDivElement>) => {
    if (!scatter) return;
    const { range } = scatter;
    const parts = event.shiftKey ? 8 : 40;
    const dx = (range.xMax - range.xMin) / parts;
    const dy = (range.yMax - range.yMin) / parts;
    let { x, y } = useExplorerStore.getState().point;
    switch (event.key) {
      case 'ArrowLeft':
        x -= dx;
        break;
      case 'ArrowRight':
        x += dx;
        break;
      case 'ArrowUp':
        y += dy;
        break;
      case 'ArrowDown':
        y -= dy;
        break;
      case 'Home':
        ({ x, y } = rangeCentre(range));
        break;
      default:
        return;
    }
    event.preventDefault();
    if (event.repeat && !endDrag.current) endDrag.current = beginInteraction();
    setPoint(x, y, event.timeStamp);
  };

  const ready = scatter !== null;
  return (
    <div
      ref={padRef}
      className={`latent-pad${ready ? '' : ' latent-pad--waiting'}`}
      role="slider"
      aria-label="Latent pad"
      aria-roledescription="2-D slider"
      aria-orientation="horizontal"
      aria-valuemin={scatter ? Number(scatter.range.xMin.toFixed(3)) : 0}
      aria-valuemax={scatter ? Number(scatter.range.xMax.toFixed(3)) : 0}
      aria-disabled={!ready}
      aria-keyshortcuts="ArrowLeft ArrowRight ArrowUp ArrowDown Home"
      tabIndex={0}
      data-testid="latent-pad"
      data-dmap-step={dMap && dMap.scatter === scatter ? dMap.step : undefined}
      onPointerDown={(event) => {
        if (!ready || event.button !== 0) return;
        event.currentTarget.setPointerCapture(event.pointerId);
        event.currentTarget.focus();
        dragging.current = true;
        stopDrag();
        endDrag.current = beginInteraction();
        moveTo(event);
      }}
      onPointerMove={(event) => {
        if (dragging.current) moveTo(event);
      }}
      onPointerUp={(event) => {
        dragging.current = false;
        stopDrag();
        event.currentTarget.releasePointerCapture(event.pointerId);
      }}
      onPointerCancel={() => {
        dragging.current = false;
        stopDrag();
      }}
      onKeyDown={onKeyDown}
      onKeyUp={stopDrag}
      onBlur={stopDrag}
    >
      <canvas ref={canvasRef} width={PAD_PIXELS} height={PAD_PIXELS} aria-hidden="true" />
      <div ref={handleRef} className="latent-pad__handle" aria-hidden="true" hidden={!ready} />
      <DrawingMarker testId="drawing-marker-pad" />
      {!ready && <p className="latent-pad__hint">Waiting for the model…</p>}
    </div>
  );
}

/** The image decoded from the code under the pad's handle (painted by pad-decoding.ts). */
export function DecodedImage() {
  const ref = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    attachDecodedCanvas(ref.current);
    return () => attachDecodedCanvas(null);
  }, []);
  return (
    <canvas
      ref={ref}
      className="image-canvas decoded-image"
      role="img"
      aria-label="Decoded image"
      data-testid="decoded-image"
      width={28}
      height={28}
    />
  );
}
