import { useTranslation } from "react-i18next";
import type { ModelInfo } from "../ipc";
import { Field } from "./Field";

type Props = {
  value: string;
  /** What the server listed, when known; any other name can still be typed. */
  models: readonly ModelInfo[];
  onChange: (model: string) => void;
};

export function ModelField({ value, models, onChange }: Props) {
  const { t } = useTranslation();
  const listed = models.some((m) => m.id === value);
  return (
    <Field
      label={t("backends.form.model")}
      hint={t(models.length > 0 ? "backends.form.modelPick" : "backends.form.modelHint")}
    >
      {(control) => (
        <div className="field-pair">
          <input
            {...control}
            className="input"
            data-testid="backend-model"
            value={value}
            spellCheck={false}
            autoComplete="off"
            onChange={(e) => {
              onChange(e.target.value);
            }}
          />
          {models.length > 0 && (
            <select
              className="select"
              data-testid="backend-model-pick"
              aria-label={t("backends.form.modelListed")}
              value={listed ? value : ""}
              onChange={(e) => {
                onChange(e.target.value);
              }}
            >
              <option value="" disabled>
                {t("backends.form.modelListed")}
              </option>
              {models.map((m) => (
                <option key={m.id} value={m.id}>
                  {m.id}
                </option>
              ))}
            </select>
          )}
        </div>
      )}
    </Field>
  );
}
