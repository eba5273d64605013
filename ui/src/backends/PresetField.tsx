import { useTranslation } from "react-i18next";
import type { Preset } from "../ipc";
import { Field } from "./Field";
import { CUSTOM } from "./form";

type Props = {
  presets: readonly Preset[];
  value: string;
  onChange: (preset: Preset | null) => void;
};

/** Known services, grouped online / on this computer, or a custom URL. */
export function PresetField({ presets, value, onChange }: Props) {
  const { t } = useTranslation();
  const chosen = presets.find((p) => p.id === value);
  const hint = !chosen
    ? t("backends.form.customHint")
    : chosen.needsKey
      ? t("backends.form.needsKey", { name: chosen.name })
      : t("backends.form.noKeyNeeded");
  const group = (local: boolean) =>
    presets
      .filter((p) => p.local === local)
      .map((p) => (
        <option key={p.id} value={p.id}>
          {p.name}
        </option>
      ));

  return (
    <Field label={t("backends.form.preset")} hint={hint}>
      {(control) => (
        <select
          {...control}
          className="select"
          data-testid="backend-preset"
          value={value}
          onChange={(e) => {
            onChange(presets.find((p) => p.id === e.target.value) ?? null);
          }}
        >
          <option value={CUSTOM}>{t("backends.form.custom")}</option>
          <optgroup label={t("backends.form.online")}>{group(false)}</optgroup>
          <optgroup label={t("backends.form.local")}>{group(true)}</optgroup>
        </select>
      )}
    </Field>
  );
}
