import { setTraversal } from './traversal';
import { type TraversalSettings, useExplorerStore } from './explorer-store';
import { TRAVERSAL_MAX_ROWS, TRAVERSAL_STEPS, type TraversalRow } from '../shared/protocol';
import { GridCanvas } from '../../../ui/GridCanvas';
import { IndexField } from '../../../ui/IndexField';

/** A row's label: its axis, its step unit and how much it carries. */
function rowLabel(row: TraversalRow): string {
  const info =
    row.kl !== null
      ? `KL ${row.kl.toFixed(2)}`
      : row.explained !== null
        ? `${(100 * row.explained).toFixed(0)}% of the variance`
        : '';
  return `${row.name} · σ ${row.sigma.toFixed(2)}${info ? ` · ${info}` : ''}`;
}

const AROUND_WORDS: Record<TraversalSettings['around'], string> = {
  origin: 'the origin',
  selected: "the selected test image's code",
  drawing: "the drawing's code",
};

/**
 * Traversals: for each latent dimension (largest KL first) or each top principal axis of the
 * codes, a row of decodings from −3σ to +3σ around a chosen code, redrawn with new weights.
 * A collapsed dimension shows as a row where nothing changes.
 */
export function TraversalPanel() {
  const settings = useExplorerStore((s) => s.traversal);
  const result = useExplorerStore((s) => s.traversalResult);
  const loaded = useExplorerStore((s) => s.loaded);
  const drawing = useExplorerStore((s) => s.drawing);
  const selected = useExplorerStore((s) => s.selected);
  const disabled = loaded === null;
  const needsDrawing = settings.around === 'drawing' && !drawing;
  return (
    <section className="traversals" aria-labelledby="traversal-heading">
      <h3 id="traversal-heading">Traversals</h3>
      <div className="traversals__controls" role="group" aria-label="Traversal settings">
        <div className="select-field">
          <label htmlFor="traversal-mode">Traverse</label>
          <select
            id="traversal-mode"
            value={settings.mode}
            disabled={disabled}
            onChange={(e) =>
              setTraversal({
                ...settings,
                mode: e.currentTarget.value as TraversalSettings['mode'],
              })
            }
          >
            <option value="dims">each latent dimension</option>
            <option value="pca">the top principal axes</option>
          </select>
        </div>
        <div className="select-field">
          <label htmlFor="traversal-around">Around</label>
          <select
            id="traversal-around"
            value={settings.around}
            disabled={disabled}
            onChange={(e) =>
              setTraversal({
                ...settings,
                around: e.currentTarget.value as TraversalSettings['around'],
              })
            }
          >
            <option value="origin">the origin</option>
            <option value="selected">
              the selected test image{selected !== null ? ` (#${selected})` : ' (#0)'}
            </option>
            <option value="drawing" disabled={!drawing}>
              the drawing
            </option>
          </select>
        </div>
        <IndexField
          label="Traversal steps"
          value={settings.steps}
          min={TRAVERSAL_STEPS.min}
          max={TRAVERSAL_STEPS.max}
          disabled={disabled}
          onValid={(steps) => setTraversal({ ...settings, steps })}
        />
        <div className="select-field">
          <label htmlFor="traversal-scale">σ of a row</label>
          <select
            id="traversal-scale"
            value={settings.scale}
            disabled={disabled}
            onChange={(e) =>
              setTraversal({
                ...settings,
                scale: e.currentTarget.value as TraversalSettings['scale'],
              })
            }
          >
            <option value="codes">the spread of the test codes along it</option>
            <option value="prior">the prior's, σ = 1</option>
          </select>
        </div>
      </div>
      {needsDrawing && (
        <p className="hint" role="status">
          Draw on the drawing pad first: the traversal varies around the drawing&apos;s code.
        </p>
      )}
      {result && !needsDrawing && (
        <figure className="traversals__figure">
          <div className="traversals__body">
            <ol className="traversals__rows" aria-label="Traversal rows">
              {result.rows.map((row) => (
                <li key={row.name}>{rowLabel(row)}</li>
              ))}
            </ol>
            <div>
              <div className="traversals__offsets small muted" aria-hidden="true">
                <span>−3σ</span>
                <span>0</span>
                <span>+3σ</span>
              </div>
              <GridCanvas
                grid={result.grid}
                label="Traversals"
                testId="traversals"
                className="image-canvas--traversals"
                step={result.step}
              />
            </div>
          </div>
          <figcaption data-testid="traversal-caption">
            {result.rows.length} rows of {result.offsets.length} decodings from −3σ to +3σ around{' '}
            {AROUND_WORDS[settings.around]}, along{' '}
            {settings.mode === 'dims'
              ? 'each latent dimension, largest KL first'
              : 'the top principal axes of the test codes'}
            ; σ is{' '}
            {settings.scale === 'codes'
              ? 'the standard deviation of the test codes along the row (0 for a collapsed unit)'
              : 'the prior’s, 1'}
            . Weights of step {result.step}.
            {result.hidden > 0 &&
              ` The ${result.hidden} dimensions with the smallest KL are left out (at most ${TRAVERSAL_MAX_ROWS} rows).`}
          </figcaption>
        </figure>
      )}
    </section>
  );
}
