import { useTranslation } from "react-i18next";
import { Field } from "./Field";

type Props = {
  /** What is typed now; the stored key is never read back. */
  value: string;
  onChange: (key: string) => void;
  /** Whether the backend being edited has a key stored (false when adding). */
  hasKey: boolean;
  removing: boolean;
  onRemovingChange: (removing: boolean) => void;
};

export function KeyField({ value, onChange, hasKey, removing, onRemovingChange }: Props) {
  const { t } = useTranslation();
  const hint = removing
    ? t("backends.form.keyWillGo")
    : hasKey
      ? t("backends.form.keyKeep")
      : t("backends.form.keyHint");
  return (
    <Field label={t("backends.form.key")} hint={hint}>
      {(control) => (
        <div className="field-pair">
          <input
            {...control}
            className="input"
            type="password"
            data-testid="backend-key"
            value={value}
            disabled={removing}
            autoComplete="off"
            spellCheck={false}
            onChange={(e) => {
              onChange(e.target.value);
            }}
          />
          {hasKey && (
            <button
              type="button"
              className="button"
              data-testid="backend-remove-key"
              onClick={() => {
                onChange("");
                onRemovingChange(!removing);
              }}
            >
              {removing ? t("backends.form.keepKey") : t("backends.form.removeKey")}
            </button>
          )}
        </div>
      )}
    </Field>
  );
}
