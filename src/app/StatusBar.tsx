import { useAppStore } from './store';

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

  return (
    <section className="status-bar" aria-label="Run status">
      <div className="status-line" data-testid="status-line">
        <span className="status-item" title="The TensorFlow.js backend the training worker runs on">
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
        <span
          className="status-item"
          data-testid="step-count"
          title="Training steps taken: each is a VAE, a discriminator and a generator update"
        >
          step {step}
        </span>
        {Number.isFinite(stepsPerEpoch) && (
          <span
            className="status-item"
            data-testid="epoch-count"
            title={`Passes over the training images: ${fmt(stepsPerEpoch, 0)} steps make one epoch at this batch size`}
          >
            epoch {fmt(step / stepsPerEpoch, 2)}
          </span>
        )}
        <span
          className="status-item"
          data-testid="steps-per-sec"
          title="Steps per second over the last few seconds"
        >
          {fmt(stepsPerSec)} steps/s
        </span>
        <span
          className="status-item"
          data-testid="images-per-sec"
          title="Training images per second: steps per second times the batch size"
        >
          {fmt(imagesPerSec, 0)} images/s
        </span>
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
