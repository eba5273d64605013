import { useId } from "react";
import type { ReactNode } from "react";

/** What the labelled control needs to be tied to its label, hint and problem. */
export type ControlProps = {
  id: string;
  "aria-describedby": string | undefined;
  "aria-invalid": true | undefined;
};

type Props = {
  label: string;
  hint?: string | undefined;
  problem?: string | undefined;
  children: (control: ControlProps) => ReactNode;
};

/** A label, one control, an optional hint and the problem to fix, if any. */
export function Field({ label, hint, problem, children }: Props) {
  const id = useId();
  const hintId = useId();
  const problemId = useId();
  const describedBy = [hint && hintId, problem && problemId].filter(Boolean).join(" ");
  return (
    <div className="field">
      <label className="field-label" htmlFor={id}>
        {label}
      </label>
      {children({ id, "aria-describedby": describedBy || undefined, "aria-invalid": problem ? true : undefined })}
      {hint && (
        <p className="field-hint" id={hintId}>
          {hint}
        </p>
      )}
      {problem && (
        <p className="field-problem" id={problemId}>
          {problem}
        </p>
      )}
    </div>
  );
}
