import { useId } from "react";
import { useTranslation } from "react-i18next";
import { Field } from "./Field";
import { HeaderRows } from "./HeaderRows";
import type { FieldName, FormValues, Problems } from "./form";

type Props = {
  values: FormValues;
  onChange: (patch: Partial<FormValues>) => void;
  problems: Problems;
  open: boolean;
  onToggle: (open: boolean) => void;
};

type NumberField = Extract<
  FieldName,
  "connectTimeout" | "firstByteTimeout" | "idleTimeout" | "maxRetries" | "maxConcurrent"
>;

const TIMEOUTS = ["connectTimeout", "firstByteTimeout", "idleTimeout"] as const;

/** Proxy, headers, timeouts, retries, concurrency and streaming, folded away. */
export function AdvancedFields({ values, onChange, problems, open, onToggle }: Props) {
  const { t } = useTranslation();
  const streamHintId = useId();
  const problem = (field: FieldName) => {
    const found = problems[field];
    return found && t(`backends.problems.${found}`);
  };
  const numberField = (field: NumberField, min: number, step: string) => (
    <Field key={field} label={t(`backends.form.${field}`)} problem={problem(field)}>
      {(control) => (
        <input
          {...control}
          className="input input-number"
          type="number"
          inputMode="decimal"
          min={min}
          step={step}
          data-testid={`backend-${field}`}
          value={values[field]}
          onChange={(e) => {
            onChange({ [field]: e.target.value });
          }}
        />
      )}
    </Field>
  );

  return (
    <details
      className="advanced"
      open={open}
      onToggle={(e) => {
        onToggle(e.currentTarget.open);
      }}
    >
      <summary data-testid="backend-advanced">{t("backends.form.advanced")}</summary>
      <div className="advanced-body">
        <Field label={t("backends.form.proxy")} hint={t("backends.form.proxyHint")} problem={problem("proxy")}>
          {(control) => (
            <input
              {...control}
              className="input"
              data-testid="backend-proxy"
              placeholder="socks5://127.0.0.1:1080"
              value={values.proxy}
              spellCheck={false}
              autoComplete="off"
              onChange={(e) => {
                onChange({ proxy: e.target.value });
              }}
            />
          )}
        </Field>
        <HeaderRows
          rows={values.headers}
          onChange={(headers) => {
            onChange({ headers });
          }}
          problemOf={(row) => problems[`header:${String(row.key)}`]}
        />
        <fieldset className="field">
          <legend className="field-label">{t("backends.form.timeouts")}</legend>
          <div className="field-grid">{TIMEOUTS.map((field) => numberField(field, 0, "any"))}</div>
        </fieldset>
        <div className="field-grid">
          {numberField("maxRetries", 0, "1")}
          {numberField("maxConcurrent", 1, "1")}
        </div>
        <div className="field">
          <label className="checkbox">
            <input
              type="checkbox"
              data-testid="backend-stream"
              checked={values.stream}
              aria-describedby={streamHintId}
              onChange={(e) => {
                onChange({ stream: e.target.checked });
              }}
            />
            {t("backends.form.stream")}
          </label>
          <p className="field-hint" id={streamHintId}>
            {t("backends.form.streamHint")}
          </p>
        </div>
      </div>
    </details>
  );
}
