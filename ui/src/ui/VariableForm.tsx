import { useId } from "react";
import { useTranslation } from "react-i18next";
import type { Variable } from "../ipc";
import { fieldProblems } from "./variableValues";
import type { FormValues } from "./variableValues";
import "./VariableForm.css";

type Props = {
  /** The template's declared variables, in order. */
  variables: readonly Variable[];
  values: FormValues;
  onChange: (values: FormValues) => void;
  /** Prefix of each control's test id: `${testId}-${name}`. */
  testId?: string;
};

/**
 * A form generated from a template's variables: one labelled control per
 * variable, chosen by its type. Used by the Templates page to preview, and
 * by the chat, story and translate pages to fill in a template.
 */
export function VariableForm({ variables, values, onChange, testId = "var" }: Props) {
  const { t } = useTranslation();
  const problems = fieldProblems(variables, values);
  if (variables.length === 0) {
    return <p className="variable-form-empty">{t("variableForm.none")}</p>;
  }
  return (
    <div className="variable-form">
      {variables.map((variable) => (
        <VariableField
          key={variable.name}
          variable={variable}
          value={values[variable.name]}
          problem={problems[variable.name] && t(`variableForm.problem.${problems[variable.name] ?? "required"}`)}
          testId={`${testId}-${variable.name}`}
          onChange={(value) => {
            onChange({ ...values, [variable.name]: value });
          }}
        />
      ))}
    </div>
  );
}

type FieldProps = {
  variable: Variable;
  value: string | boolean | undefined;
  problem: string | undefined;
  testId: string;
  onChange: (value: string | boolean) => void;
};

function VariableField({ variable, value, problem, testId, onChange }: FieldProps) {
  const { t } = useTranslation();
  const id = useId();
  const hintId = useId();
  const problemId = useId();
  const describedBy = [variable.help && hintId, problem && problemId].filter(Boolean).join(" ") || undefined;
  const text = typeof value === "string" ? value : "";
  const placeholder =
    variable.default !== null && typeof variable.default !== "boolean" ? String(variable.default) : undefined;
  const common = {
    id,
    "data-testid": testId,
    "aria-describedby": describedBy,
    "aria-invalid": problem ? true : undefined,
    "aria-required": variable.required || undefined,
  };

  if (variable.type === "bool") {
    return (
      <div className="variable-field variable-field-bool">
        <input
          {...common}
          type="checkbox"
          checked={value === true}
          onChange={(event) => {
            onChange(event.target.checked);
          }}
        />
        <label htmlFor={id} className="variable-label">
          {variable.label}
        </label>
        {variable.help && (
          <p className="variable-hint" id={hintId}>
            {variable.help}
          </p>
        )}
      </div>
    );
  }

  return (
    <div className="variable-field">
      <label htmlFor={id} className="variable-label">
        {variable.label}
        {variable.required && (
          <span className="variable-required" title={t("variableForm.required")}>
            {" *"}
          </span>
        )}
      </label>
      {variable.type === "long_text" ? (
        <textarea
          {...common}
          className="input variable-long-text"
          rows={4}
          value={text}
          placeholder={placeholder}
          onChange={(event) => {
            onChange(event.target.value);
          }}
        />
      ) : variable.type === "choice" ? (
        <select
          {...common}
          className="select"
          value={text}
          onChange={(event) => {
            onChange(event.target.value);
          }}
        >
          {(text === "" || (!variable.required && variable.default === null)) && (
            <option value="">{t("variableForm.unset")}</option>
          )}
          {variable.options.map((option) => (
            <option key={option.value} value={option.value}>
              {option.label}
            </option>
          ))}
        </select>
      ) : (
        <input
          {...common}
          className="input"
          type="text"
          inputMode={variable.type === "number" ? "decimal" : undefined}
          value={text}
          placeholder={placeholder}
          onChange={(event) => {
            onChange(event.target.value);
          }}
        />
      )}
      {variable.help && (
        <p className="variable-hint" id={hintId}>
          {variable.help}
        </p>
      )}
      {problem && (
        <p className="variable-problem" id={problemId}>
          {problem}
        </p>
      )}
    </div>
  );
}
