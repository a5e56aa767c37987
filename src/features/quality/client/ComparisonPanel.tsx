import { startComparison, stopComparison } from './comparison-client';
import { useQualityStore } from './quality-store';
import { useAppStore } from '../../../app/store';
import { GridCanvas } from '../../../ui/GridCanvas';

/**
 * VAE vs VAEGAN: a second run with the same seed and settings except γ = 0, trained beside the
 * main run; both runs' prior samples (the same fixed noise) side by side. Their quality curves
 * are drawn together in the quality panel.
 */
export function ComparisonPanel() {
  const comparison = useQualityStore((s) => s.comparison);
  const images = useAppStore((s) => s.images);
  const running = useAppStore((s) => s.running);
  const gamma = useAppStore((s) => s.inForce?.hyperparams.gamma ?? s.hyperparams.gamma);
  const mainStatus = useAppStore((s) => s.status);
  const canStart = running !== null && mainStatus !== 'loading' && mainStatus !== 'error';
  return (
    <section className="panel comparison-panel" aria-labelledby="comparison-heading">
      <h2 id="comparison-heading">VAE vs VAEGAN, side by side</h2>
      <div className="comparison-controls">
        {comparison.active ? (
          <button type="button" onClick={() => stopComparison()}>
            Stop the comparison
          </button>
        ) : (
          <button type="button" onClick={() => void startComparison()} disabled={!canStart}>
            Compare with a plain VAE (γ = 0)
          </button>
        )}
        <p className="hint">
          A second training worker runs the same seed and settings with γ = 0 from step 0, and
          follows Train, Pause, Step and Reset. The two runs share the CPU, so each trains slower
          while both run; compare them at equal steps on the quality curves.
          {gamma === 0 &&
            ' This run already has γ = 0: raise γ to see what the adversarial term buys.'}
        </p>
      </div>
      {comparison.active && (
        <div className="image-row">
          <figure>
            <GridCanvas
              grid={images?.samples}
              label="Prior samples of this run"
              testId="comparison-main-samples"
              step={images?.step}
            />
            <figcaption>
              This run (γ = {gamma}) {images ? `at step ${images.step}` : ''}
            </figcaption>
          </figure>
          <figure>
            <GridCanvas
              grid={comparison.samples}
              label="Prior samples of the plain VAE"
              testId="comparison-vae-samples"
              step={comparison.samplesStep ?? undefined}
            />
            <figcaption data-testid="comparison-status">
              Plain VAE (γ = 0): {comparison.status}
              {comparison.samplesStep !== null
                ? `, pictures at step ${comparison.samplesStep}`
                : ''}
              {comparison.stepsPerSec > 0 ? `, ${comparison.stepsPerSec.toFixed(1)} steps/s` : ''}
              {comparison.message ? ` (${comparison.message})` : ''}
            </figcaption>
          </figure>
        </div>
      )}
    </section>
  );
}
