import { useEffect, useRef } from 'react';
import { setInterpolation } from './interpolation';
import { setShowManifold } from './manifold';
import { dAt, setShowDMap } from './d-map';
import { HEAT_GRADIENT } from './heat';
import { DrawingPad } from './DrawingPad';
import { TraversalPanel } from './TraversalPanel';
import { setPlane } from './scatter';
import { selectTestImage } from './selection';
import { setExplorerInView } from './weights-loader';
import { useExplorerStore } from './explorer-store';
import { watchInView } from '../../../app/in-view';
import { GridCanvas } from '../../../ui/GridCanvas';
import { IndexField } from '../../../ui/IndexField';
import { InterpolationPanel } from './InterpolationPanel';
import { DecodedImage, LatentPad } from './LatentPad';
import { ScatterPlot } from './ScatterPlot';
import './latent-explorer.css';

/** Which plane the pad shows, what the other coordinates are held at, and the manifold toggle. */
function PlaneControls() {
  const plane = useExplorerStore((s) => s.plane);
  const loaded = useExplorerStore((s) => s.loaded);
  const scatter = useExplorerStore((s) => s.scatter);
  const showManifold = useExplorerStore((s) => s.showManifold);
  const manifoldSize = useExplorerStore((s) => s.manifoldSize);
  const showDMap = useExplorerStore((s) => s.showDMap);
  const dMap = useExplorerStore((s) => s.dMap);
  const d = loaded?.latentDim ?? 0;
  const disabled = loaded === null;
  const axisOptions = Array.from({ length: d }, (_, i) => (
    <option key={i} value={i}>
      z{i + 1}
    </option>
  ));
  const sameAxes = plane.mode === 'axes' && plane.axes[0] === plane.axes[1];
  // With two latent axes of a 2-D space there are no other coordinates to hold.
  const needsBase = !(d === 2 && plane.mode === 'axes');
  const maxIndex = (loaded?.testCount ?? 10000) - 1;
  return (
    <div className="plane-controls" role="group" aria-label="Plane of the pad">
      <div className="select-field">
        <label htmlFor="plane-mode">Plane</label>
        <select
          id="plane-mode"
          value={plane.mode}
          disabled={disabled}
          onChange={(e) => setPlane({ ...plane, mode: e.currentTarget.value as 'pca' | 'axes' })}
        >
          <option value="pca">top two principal axes</option>
          <option value="axes">two latent axes</option>
        </select>
      </div>
      {plane.mode === 'axes' && (
        <>
          <div className="select-field">
            <label htmlFor="plane-axis-x">Horizontal axis</label>
            <select
              id="plane-axis-x"
              value={plane.axes[0]}
              disabled={disabled}
              onChange={(e) =>
                setPlane({ ...plane, axes: [Number(e.currentTarget.value), plane.axes[1]] })
              }
            >
              {axisOptions}
            </select>
          </div>
          <div className="select-field">
            <label htmlFor="plane-axis-y">Vertical axis</label>
            <select
              id="plane-axis-y"
              value={plane.axes[1]}
              disabled={disabled}
              onChange={(e) =>
                setPlane({ ...plane, axes: [plane.axes[0], Number(e.currentTarget.value)] })
              }
            >
              {axisOptions}
            </select>
          </div>
          {sameAxes && (
            <p className="field-error" role="alert">
              Pick two different latent axes.
            </p>
          )}
        </>
      )}
      {needsBase && (
        <>
          <div className="select-field">
            <label htmlFor="plane-base">Other coordinates</label>
            <select
              id="plane-base"
              value={plane.base === 'origin' ? 'origin' : 'image'}
              disabled={disabled}
              onChange={(e) =>
                setPlane({
                  ...plane,
                  base:
                    e.currentTarget.value === 'origin'
                      ? 'origin'
                      : (useExplorerStore.getState().selected ?? 0),
                })
              }
            >
              <option value="origin">held at 0 (the origin)</option>
              <option value="image">held at a test image's code</option>
            </select>
          </div>
          {plane.base !== 'origin' && (
            <IndexField
              label="Base image"
              value={plane.base}
              min={0}
              max={maxIndex}
              disabled={disabled}
              onValid={(base) => setPlane({ ...plane, base })}
            />
          )}
        </>
      )}
      <label className="check-field">
        <input
          type="checkbox"
          checked={showManifold}
          disabled={disabled}
          onChange={(e) => setShowManifold(e.currentTarget.checked)}
        />
        Show the decoded plane behind the pad ({manifoldSize}×{manifoldSize})
      </label>
      <label className="check-field">
        <input
          type="checkbox"
          checked={showDMap}
          disabled={disabled}
          onChange={(e) => setShowDMap(e.currentTarget.checked)}
        />
        Paint the discriminator&apos;s view D(Dec(z)) over the pad
      </label>
      {showDMap && (
        <div className="heat-legend small" data-testid="dmap-legend">
          <span>D = 0 (fake)</span>
          <span className="heat-legend__bar" style={{ background: HEAT_GRADIENT }} />
          <span>1 (real)</span>
          {dMap && (
            <span className="muted">
              {' '}
              here from {Math.min(...dMap.scores).toFixed(2)} to{' '}
              {Math.max(...dMap.scores).toFixed(2)}, weights of step {dMap.step}
            </span>
          )}
        </div>
      )}
      {scatter?.explained && (
        <p className="hint muted">
          PC1 holds {(100 * scatter.explained[0]).toFixed(0)}% and PC2{' '}
          {(100 * scatter.explained[1]).toFixed(0)}% of the variance of the codes.
        </p>
      )}
    </div>
  );
}

/** The test image picked on the scatter (or by number), beside its reconstruction. */
function SelectedImage() {
  const selected = useExplorerStore((s) => s.selected);
  const view = useExplorerStore((s) => s.selectedView);
  const loaded = useExplorerStore((s) => s.loaded);
  const plane = useExplorerStore((s) => s.plane);
  const interpolation = useExplorerStore((s) => s.interpolation);
  const current = view && view.index === selected ? view : null;
  return (
    <div className="selected-image">
      <IndexField
        label="Test image"
        value={selected ?? 0}
        min={0}
        max={(loaded?.testCount ?? 10000) - 1}
        disabled={loaded === null}
        onValid={(index) => void selectTestImage(index)}
      />
      <figure>
        <div className="pair">
          <GridCanvas
            grid={current?.input}
            label="Selected test image"
            testId="selected-input"
            className="cell"
          />
          <GridCanvas
            grid={current?.recon}
            label="Reconstruction of the selected image"
            testId="selected-recon"
            className="cell"
          />
        </div>
        <figcaption data-testid="selected-caption">
          {current
            ? `Test image #${current.index} (${loaded?.classes[current.label] ?? current.label}) and its reconstruction Dec(μ(x))`
            : 'Click a point on the scatter, or type a test image number.'}
        </figcaption>
      </figure>
      {current && (
        <div className="button-row">
          <button
            type="button"
            onClick={() => setInterpolation({ ...interpolation, a: current.index, aFrom: 'test' })}
          >
            Interpolate from here (A)
          </button>
          <button
            type="button"
            onClick={() => setInterpolation({ ...interpolation, b: current.index, bFrom: 'test' })}
          >
            Interpolate to here (B)
          </button>
          <button type="button" onClick={() => setPlane({ ...plane, base: current.index })}>
            Hold other coordinates here
          </button>
        </div>
      )}
    </div>
  );
}

/** Where the pad's handle is and which weights the decoded image comes from. */
function PadReadout() {
  const scatter = useExplorerStore((s) => s.scatter);
  const point = useExplorerStore((s) => s.point);
  const step = useExplorerStore((s) => s.decodedStep);
  const where = useExplorerStore((s) => s.padDecoder);
  const dMap = useExplorerStore((s) => s.dMap);
  if (!scatter) return null;
  const [nx, ny] = scatter.axisNames;
  const d = dMap && dMap.scatter === scatter ? dAt(dMap, point.x, point.y) : null;
  return (
    <p className="small muted pad-readout" data-testid="pad-readout">
      {nx} = {point.x.toFixed(2)}, {ny} = {point.y.toFixed(2)}
      {step !== null ? ` · weights of step ${step}` : ''}
      {where ? ` · decoded ${where}` : ''}
      {d !== null ? ` · D(Dec(z)) ≈ ${d.toFixed(2)} here` : ''}
    </p>
  );
}

/**
 * The latent space explorer: a pad on a plane through z with the decoded image beside it, the
 * encoded test set scattered on the same plane, and an interpolation strip. It decodes in its
 * own worker from weight copies the trainer sends, so it never waits behind a training step.
 */
export function LatentExplorer() {
  const section = useRef<HTMLElement>(null);
  useEffect(() => {
    const element = section.current;
    if (!element) return;
    // Out of view it waits for the newest weights (weights-loader.ts).
    const unwatch = watchInView(element, setExplorerInView);
    return () => {
      unwatch();
      setExplorerInView(true);
    };
  }, []);
  const status = useExplorerStore((s) => s.status);
  const error = useExplorerStore((s) => s.error);
  const loaded = useExplorerStore((s) => s.loaded);
  const backend = useExplorerStore((s) => s.backend);
  return (
    <section ref={section} className="panel latent-explorer" aria-labelledby="latent-heading">
      <h2 id="latent-heading">
        Latent space{' '}
        <span className="muted" data-testid="explorer-status">
          {status === 'ready' && loaded
            ? `${loaded.latentDim}-D, ${loaded.datasetName}, weights of step ${loaded.step}${backend ? `, explorer worker on ${backend.name}` : ''}`
            : status === 'error'
              ? 'unavailable'
              : 'starting…'}
        </span>
      </h2>
      {error && (
        <p className="explorer-error" role="alert">
          {error}
        </p>
      )}
      <PlaneControls />
      <div className="explorer-grid">
        <div className="pad-column">
          <LatentPad />
          <PadReadout />
        </div>
        <figure className="decoded">
          <DecodedImage />
          <figcaption>Decoded image Dec(z) at the handle</figcaption>
        </figure>
        <ScatterPlot />
        <SelectedImage />
      </div>
      <DrawingPad />
      <InterpolationPanel />
      <TraversalPanel />
    </section>
  );
}
