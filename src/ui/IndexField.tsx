import { useId, useState } from 'react';

interface Props {
  label: string;
  value: number;
  min: number;
  max: number;
  /** Called with every valid whole number the user types. */
  onValid: (value: number) => void;
  disabled?: boolean;
}

/**
 * A whole-number input that says what is wrong instead of passing bad input on: the message
 * sits under the field (linked by aria-describedby) until the value is valid again.
 */
export function IndexField({ label, value, min, max, onValid, disabled = false }: Props) {
  const id = useId();
  const [text, setText] = useState(String(value));
  const [shown, setShown] = useState(value);
  // Follow the value when it changes elsewhere (a click on the scatter, a new data set).
  if (shown !== value) {
    setShown(value);
    setText(String(value));
  }
  const trimmed = text.trim();
  const n = Number(trimmed);
  const valid = trimmed !== '' && Number.isInteger(n) && n >= min && n <= max;
  const error = valid ? '' : `${label}: a whole number from ${min} to ${max}`;
  return (
    <div className="number-field">
      <label htmlFor={id}>{label}</label>
      <input
        id={id}
        type="number"
        inputMode="numeric"
        min={min}
        max={max}
        step={1}
        value={text}
        disabled={disabled}
        aria-invalid={!valid}
        aria-describedby={valid ? undefined : `${id}-error`}
        onChange={(e) => {
          const next = e.currentTarget.value;
          setText(next);
          const v = Number(next.trim());
          if (next.trim() !== '' && Number.isInteger(v) && v >= min && v <= max) {
            setShown(v);
            onValid(v);
          }
        }}
      />
      {!valid && (
        <p id={`${id}-error`} className="field-error" role="alert">
          {error}
        </p>
      )}
    </div>
  );
}
