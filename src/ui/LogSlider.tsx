import { useId } from 'react';
import { Toggletip } from './Toggletip';

const STEPS = 1000;

interface Props {
  label: string;
  /** Short symbol shown beside the label, e.g. β. */
  symbol?: string;
  value: number;
  /** Smallest non-zero value and the largest value; the slider is logarithmic between them. */
  min: number;
  max: number;
  /** Position 0 means exactly 0 (e.g. gamma = 0 turns the model into a plain VAE). */
  allowZero?: boolean;
  onChange: (value: number) => void;
  /** The value the worker confirmed, and from which step. */
  inForce?: { value: number; fromStep: number } | undefined;
  hint?: string;
  /** `data-tour` name for the guided first run. */
  tour?: string;
  /** `data-part` name, by which a link's `hide=` can leave the slider out (its URL key). */
  part?: string;
}

export const formatNumber = (v: number) =>
  v === 0
    ? '0'
    : Math.abs(v) >= 0.01 && Math.abs(v) < 1000
      ? String(+v.toPrecision(3))
      : v.toExponential(1);

/** A range input on a log scale, for weights and learning rates that span decades. */
export function LogSlider({
  label,
  symbol,
  value,
  min,
  max,
  allowZero,
  onChange,
  inForce,
  hint,
  tour,
  part,
}: Props) {
  const id = useId();
  const lo = Math.log10(min);
  const hi = Math.log10(max);
  const toPosition = (v: number) =>
    allowZero && v <= 0
      ? 0
      : Math.round(((Math.log10(Math.max(min, Math.min(max, v))) - lo) / (hi - lo)) * STEPS);
  const fromPosition = (p: number) =>
    allowZero && p <= 0 ? 0 : +Math.pow(10, lo + (p / STEPS) * (hi - lo)).toPrecision(3);
  const pending = inForce !== undefined && formatNumber(inForce.value) !== formatNumber(value);
  return (
    <div className="slider-field" data-tour={tour} data-part={part}>
      <div className="slider-head">
        <label htmlFor={id}>
          {label} {symbol && <span className="symbol">{symbol}</span>}
          <output htmlFor={id} className="slider-value">
            {formatNumber(value)}
          </output>
        </label>
        {hint && <Toggletip about={label} text={hint} />}
      </div>
      <input
        id={id}
        type="range"
        min={0}
        max={STEPS}
        step={1}
        value={toPosition(value)}
        aria-valuetext={formatNumber(value)}
        aria-describedby={hint ? `${id}-hint` : undefined}
        onChange={(e) => onChange(fromPosition(Number(e.currentTarget.value)))}
      />
      <div className="in-force muted" data-testid={`in-force-${label}`}>
        {inForce
          ? `${pending ? 'sending… ' : ''}in force: ${formatNumber(inForce.value)} from step ${inForce.fromStep}`
          : 'not yet confirmed by the worker'}
      </div>
      {/* Read with the slider; on screen, the help is in the toggletip. */}
      {hint && (
        <div className="visually-hidden" id={`${id}-hint`}>
          {hint}
        </div>
      )}
    </div>
  );
}
