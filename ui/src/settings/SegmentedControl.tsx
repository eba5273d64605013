import { useId } from "react";
import "./SegmentedControl.css";

type Props<T extends string> = {
  /** Prefix of each button's test id: `${name}-${value}`. */
  name: string;
  label: string;
  hint: string;
  options: readonly { value: T; label: string }[];
  value: T;
  onChange: (value: T) => void;
};

/**
 * A row of toggle buttons rather than a <select>: every choice stays visible,
 * and the end-to-end test can click each option directly.
 */
export function SegmentedControl<T extends string>({ name, label, hint, options, value, onChange }: Props<T>) {
  const labelId = useId();
  const hintId = useId();
  return (
    <div className="setting-row">
      <div className="setting-text">
        <div className="setting-label" id={labelId}>
          {label}
        </div>
        <p className="setting-hint" id={hintId}>
          {hint}
        </p>
      </div>
      <div className="segmented" role="group" aria-labelledby={labelId} aria-describedby={hintId}>
        {options.map((option) => (
          <button
            key={option.value}
            type="button"
            className="segmented-option"
            data-testid={`${name}-${option.value}`}
            aria-pressed={option.value === value}
            onClick={() => {
              onChange(option.value);
            }}
          >
            {option.label}
          </button>
        ))}
      </div>
    </div>
  );
}
