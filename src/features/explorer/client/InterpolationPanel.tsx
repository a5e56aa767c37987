import { setInterpolation } from './interpolation';
import { useExplorerStore } from './explorer-store';
import type { InterpolationMode } from '../../../shared/latent';
import type { TestImageView } from '../shared/protocol';
import { GridCanvas } from '../../../ui/GridCanvas';
import { IndexField } from '../../../ui/IndexField';

const MAX_STEPS = 32;

function EndPoint({
  name,
  view,
  classes,
}: {
  name: 'A' | 'B';
  view?: TestImageView;
  classes?: string[];
}) {
  return (
    <figure className="interpolation-end">
      <div className="pair">
        <GridCanvas
          grid={view?.input}
          label={`Test image ${name}`}
          testId={`interp-input-${name}`}
          className="cell"
        />
        <GridCanvas
          grid={view?.recon}
          label={`Reconstruction of ${name}`}
          testId={`interp-recon-${name}`}
          className="cell"
        />
      </div>
      <figcaption data-testid={`interp-caption-${name}`}>
        {name}:{' '}
        {view
          ? view.drawing
            ? 'your drawing'
            : `test image #${view.index} (${classes?.[view.label] ?? view.label})`
          : '…'}
        , input and reconstruction
      </figcaption>
    </figure>
  );
}

/**
 * A strip of N decodings between the codes of two test images, linear or spherical, redrawn
 * whenever new weights arrive.
 */
export function InterpolationPanel() {
  const settings = useExplorerStore((s) => s.interpolation);
  const result = useExplorerStore((s) => s.interpolationResult);
  const loaded = useExplorerStore((s) => s.loaded);
  const maxIndex = (loaded?.testCount ?? 10000) - 1;
  const disabled = loaded === null;
  return (
    <section className="interpolation" aria-labelledby="interpolation-heading">
      <h3 id="interpolation-heading">Interpolation</h3>
      <div className="interpolation__controls" role="group" aria-label="Interpolation settings">
        <IndexField
          label="Image A"
          value={settings.a}
          min={0}
          max={maxIndex}
          disabled={disabled}
          onValid={(a) => setInterpolation({ ...settings, a, aFrom: 'test' })}
        />
        {settings.aFrom === 'drawing' && (
          <button type="button" onClick={() => setInterpolation({ ...settings, aFrom: 'test' })}>
            A: back to test image #{settings.a}
          </button>
        )}
        <IndexField
          label="Image B"
          value={settings.b}
          min={0}
          max={maxIndex}
          disabled={disabled}
          onValid={(b) => setInterpolation({ ...settings, b, bFrom: 'test' })}
        />
        {settings.bFrom === 'drawing' && (
          <button type="button" onClick={() => setInterpolation({ ...settings, bFrom: 'test' })}>
            B: back to test image #{settings.b}
          </button>
        )}
        <IndexField
          label="Interpolation steps"
          value={settings.steps}
          min={2}
          max={MAX_STEPS}
          disabled={disabled}
          onValid={(steps) => setInterpolation({ ...settings, steps })}
        />
        <div className="select-field">
          <label htmlFor="interpolation-mode">Path</label>
          <select
            id="interpolation-mode"
            value={settings.mode}
            disabled={disabled}
            onChange={(e) =>
              setInterpolation({ ...settings, mode: e.currentTarget.value as InterpolationMode })
            }
          >
            <option value="linear">linear</option>
            <option value="spherical">spherical (slerp)</option>
          </select>
        </div>
      </div>
      <figure className="strip">
        <GridCanvas
          grid={result?.strip}
          label="Interpolation"
          testId="interpolation"
          className="image-canvas--interpolation"
          step={result?.step}
        />
        <figcaption>
          {result
            ? `${result.strip.cols} decodings from μ(A) to μ(B) along a ${settings.mode === 'spherical' ? 'great circle (slerp)' : 'straight line'}, weights of step ${result.step}`
            : 'Waiting for the model…'}
        </figcaption>
      </figure>
      <div className="interpolation__ends">
        <EndPoint name="A" view={result?.a} classes={loaded?.classes} />
        <EndPoint name="B" view={result?.b} classes={loaded?.classes} />
      </div>
    </section>
  );
}
