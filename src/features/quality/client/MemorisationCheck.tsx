import { useState } from 'react';
import { checkMemorisation } from './quality-client';
import { useQualityStore } from './quality-store';
import { MEMORISATION_RANGE } from '../shared/quality-protocol';
import { GridCanvas } from '../../../ui/GridCanvas';
import { IndexField } from '../../../ui/IndexField';

const DEFAULT_COUNT = 32;

/**
 * The memorisation check, on demand: prior samples of the running model beside their nearest
 * training images (pixel distance, over the whole training split), and how near the same
 * number of held-out test images come to the training set. A model that copied its training
 * images would make samples much nearer to one than real digits it never saw.
 */
export function MemorisationCheck({ disabled }: { disabled: boolean }) {
  const { busy, result, error } = useQualityStore((s) => s.memorisation);
  const [count, setCount] = useState(DEFAULT_COUNT);
  const verdict = result
    ? result.closerThanTest > 0
      ? `${result.closerThanTest} of ${result.count} samples sit closer to a training image than any of ${result.count} test images does: look at those pairs for copies.`
      : `No sample sits closer to a training image than the nearest of ${result.count} test images (${result.testMin.toFixed(2)}): no sign of copying.`
    : '';
  return (
    <section className="memorisation" aria-labelledby="memorisation-heading">
      <h3 id="memorisation-heading">Memorisation check</h3>
      <div className="memorisation__controls">
        <IndexField
          label="Samples to check"
          value={count}
          min={MEMORISATION_RANGE.min}
          max={MEMORISATION_RANGE.max}
          onValid={setCount}
        />
        <button
          type="button"
          disabled={disabled || busy}
          onClick={() => void checkMemorisation(count)}
        >
          {busy ? 'Searching the training set…' : 'Find the nearest training images'}
        </button>
      </div>
      {error && (
        <p className="field-errors" role="alert">
          Could not check: {error}
        </p>
      )}
      {result && (
        <figure>
          <GridCanvas
            grid={result.grid}
            label="Samples beside their nearest training images"
            testId="memorisation-pairs"
            className="image-canvas--pairs"
            step={result.step}
          />
          <figcaption data-testid="memorisation-summary">
            {result.count} prior samples at step {result.step}, each beside its nearest of the
            training images (Euclidean distance over the pixels, in [0, 1]). Median distance:
            samples {result.sampleMedian.toFixed(2)}, held-out test images{' '}
            {result.testMedian.toFixed(2)}. {verdict} ({(result.ms / 1000).toFixed(1)} s)
          </figcaption>
        </figure>
      )}
    </section>
  );
}
