import { useAppStore } from './store';
import { Toggletip } from '../ui/Toggletip';

const fmt = (x: number, digits = 1) => (Number.isFinite(x) ? x.toFixed(digits) : '–');

/** Backend, run status, step count and speed, plus the loading progress bar. */
export function StatusBar() {
  const status = useAppStore((s) => s.status);
  const message = useAppStore((s) => s.statusMessage);
  const backend = useAppStore((s) => s.backend);
  const progress = useAppStore((s) => s.progress);
  const step = useAppStore((s) => s.step);
  const stepsPerEpoch = useAppStore((s) => s.budgetState?.stepsPerEpoch ?? Number.NaN);
  const stepsPerSec = useAppStore((s) => s.stepsPerSec);
  const imagesPerSec = useAppStore((s) => s.imagesPerSec);
  const gflops = useAppStore((s) => s.gflops);
  const peak = backend?.gemmPeak;

  return (
    <section className="status-bar" aria-label="Run status">
      <div className="status-line" data-testid="status-line">
        <span className="status-item">
          Backend <strong data-testid="backend-name">{backend ? backend.name : 'starting…'}</strong>
          {backend && (
            <span className="muted" data-testid="backend-detail">
              {' '}
              ({backend.detail})
            </span>
          )}
        </span>
        <span className={`status-item status-pill status-pill--${status}`} data-testid="run-status">
          {status}
        </span>
        <span className="status-item" data-testid="step-count">
          step {step}
        </span>
        {Number.isFinite(stepsPerEpoch) && (
          <span className="status-item" data-testid="epoch-count">
            epoch {fmt(step / stepsPerEpoch, 2)}
          </span>
        )}
        <span className="status-item" data-testid="steps-per-sec">
          {fmt(stepsPerSec)} steps/s
        </span>
        <span className="status-item" data-testid="images-per-sec">
          {fmt(imagesPerSec, 0)} images/s
        </span>
        {peak && (
          // Shown from the moment the peak is known, with dashes until training reports, so the
          // line does not wrap anew at Train (every view below would shrink in that frame).
          <span className="status-item" data-testid="gflops">
            {fmt(gflops ?? Number.NaN)} of {fmt(peak.gflops)} GFLOP/s (
            {fmt(gflops === null ? Number.NaN : (100 * gflops) / peak.gflops, 0)}% of the peak)
          </span>
        )}
        <Toggletip
          about="the run status"
          question="What do these figures mean?"
          text="Backend: the TensorFlow.js backend the training worker runs on, with its adapter, renderer or threads. Step: training steps taken, each a VAE, a discriminator and a generator update. Epoch: passes over the training images, at this batch size. Steps/s: over the last few seconds. Images/s: steps per second times the batch size. GFLOP/s: the step's matrix products per second, against the app's own matrix product at its peak on the same threads (measured once its helper threads are up and again when a model is ready, the best reading kept), that is, how close training comes to what this CPU's 128-bit SIMD allows."
        />
      </div>
      {message && status !== 'training' && <p className="status-message">{message}</p>}
      {progress && status === 'loading' && (
        <div className="progress">
          <label htmlFor="load-progress">{progress.label}</label>
          <progress
            id="load-progress"
            aria-label="Loading progress"
            max={1}
            value={progress.fraction}
          />
          <span className="muted">{Math.round(progress.fraction * 100)}%</span>
        </div>
      )}
      {backend && (backend.skipped.length > 0 || backend.race) && (
        <details className="backend-why">
          <summary>Why {backend.name}?</summary>
          {backend.race && (
            <p data-testid="backend-race">
              Measured at start ({backend.race.fromCache ? 'remembered from ' : ''}
              {new Date(backend.race.measuredAt).toLocaleString()}):{' '}
              {backend.race.speeds
                .map((s) => `${s.name} ${Math.round(s.imagesPerSec)} images/s`)
                .join(', ')}
              ; {backend.name} won.
            </p>
          )}
          <ul>
            {backend.skipped.map((s) => (
              <li key={s.name}>
                <strong>{s.name}</strong> not used: {s.reason}
              </li>
            ))}
          </ul>
        </details>
      )}
    </section>
  );
}
