import { useEffect, useId, useRef, useState } from "react";
import type { SubmitEvent } from "react";
import { useTranslation } from "react-i18next";
import { toApiError } from "../ipc";
import type { ApiError, BackendView, ModelInfo, Preset } from "../ipc";
import { AdvancedFields } from "./AdvancedFields";
import { useBackendsStore } from "./backendsStore";
import type { KeyChange } from "./backendsStore";
import { Field } from "./Field";
import { choosePreset, newValues, recordValues, toDraft } from "./form";
import type { FieldName, FormValues, Problems } from "./form";
import { KeyField } from "./KeyField";
import { ModelField } from "./ModelField";
import { PresetField } from "./PresetField";
import "./BackendForm.css";

type Props = {
  /** The backend to change, or null to add one. */
  editing: BackendView | null;
  /** The preset a new backend starts from; null starts from a custom URL. */
  preset?: Preset | null;
  onDone: () => void;
};

/** Every field but these is under "Advanced". */
const UP_FRONT: readonly string[] = ["name", "baseUrl"];

const NO_MODELS: readonly ModelInfo[] = [];

/** Models the server is known to list: from a passed test, or from finding it running. */
function useKnownModels(name: string | undefined, baseUrl: string): readonly ModelInfo[] {
  const tested = useBackendsStore((s) => (name === undefined ? undefined : s.tests[name]));
  const found = useBackendsStore((s) => (s.probe.status === "done" ? s.probe.found : undefined));
  if (tested?.status === "ok") return tested.report.models;
  return found?.find((server) => server.preset.baseUrl === baseUrl.trim())?.models ?? NO_MODELS;
}

export function BackendForm({ editing, preset = null, onDone }: Props) {
  const { t } = useTranslation();
  const titleId = useId();
  const formRef = useRef<HTMLFormElement>(null);
  const presets = useBackendsStore((s) => s.presets);
  const backends = useBackendsStore((s) => s.backends);
  const add = useBackendsStore((s) => s.add);
  const update = useBackendsStore((s) => s.update);

  const original = editing?.backend.name;
  const taken = backends.map((b) => b.backend.name).filter((name) => name !== original);
  const [values, setValues] = useState<FormValues>(() =>
    editing ? recordValues(editing.backend, presets) : newValues(preset, taken),
  );
  const [key, setKey] = useState("");
  const [removingKey, setRemovingKey] = useState(false);
  const [advancedOpen, setAdvancedOpen] = useState(false);
  // Problems show from the first save on, then follow the typing.
  const [attempts, setAttempts] = useState(0);
  const [saving, setSaving] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const models = useKnownModels(original, values.baseUrl);

  const checked = toDraft(values, taken);
  const problems: Problems = attempts > 0 && checked.problems ? checked.problems : {};
  const problem = (field: FieldName) => {
    const found = problems[field];
    return found && t(`backends.problems.${found}`);
  };

  useEffect(() => {
    formRef.current?.querySelector<HTMLElement>("select, input")?.focus();
  }, []);

  // After a refused save, take the person to the first field to fix.
  useEffect(() => {
    if (attempts > 0) formRef.current?.querySelector<HTMLElement>("[aria-invalid='true']")?.focus();
  }, [attempts]);

  const change = (patch: Partial<FormValues>) => {
    setValues((before) => ({ ...before, ...patch }));
  };

  const save = async (event: SubmitEvent) => {
    event.preventDefault();
    setAttempts((n) => n + 1);
    if (checked.problems) {
      if (Object.keys(checked.problems).some((field) => !UP_FRONT.includes(field))) setAdvancedOpen(true);
      return;
    }
    setSaving(true);
    setError(null);
    const typed = key.trim();
    try {
      if (original === undefined) {
        await add(checked.draft, typed || null);
      } else {
        const keyChange: KeyChange = removingKey
          ? { kind: "remove" }
          : typed
            ? { kind: "set", key: typed }
            : { kind: "keep" };
        await update(original, checked.draft, keyChange);
      }
      onDone();
    } catch (failure) {
      setError(toApiError(failure));
      setSaving(false);
    }
  };

  return (
    <form
      ref={formRef}
      className="backend-form"
      aria-labelledby={titleId}
      data-testid="backend-form"
      noValidate
      onSubmit={(e) => void save(e)}
      onKeyDown={(e) => {
        if (e.key === "Escape") onDone();
      }}
    >
      <h3 className="backend-form-title" id={titleId}>
        {original === undefined ? t("backends.form.addTitle") : t("backends.form.editTitle", { name: original })}
      </h3>
      <PresetField
        presets={presets}
        value={values.presetId}
        onChange={(chosen) => {
          setValues((before) => choosePreset(before, chosen, presets, taken));
        }}
      />
      <Field label={t("backends.form.baseUrl")} hint={t("backends.form.baseUrlHint")} problem={problem("baseUrl")}>
        {(control) => (
          <input
            {...control}
            className="input"
            type="url"
            data-testid="backend-base-url"
            placeholder="https://api.example.com/v1"
            value={values.baseUrl}
            spellCheck={false}
            autoComplete="off"
            onChange={(e) => {
              change({ baseUrl: e.target.value });
            }}
          />
        )}
      </Field>
      <Field label={t("backends.form.name")} hint={t("backends.form.nameHint")} problem={problem("name")}>
        {(control) => (
          <input
            {...control}
            className="input"
            data-testid="backend-name"
            value={values.name}
            autoComplete="off"
            onChange={(e) => {
              change({ name: e.target.value });
            }}
          />
        )}
      </Field>
      <ModelField
        value={values.defaultModel}
        models={models}
        onChange={(defaultModel) => {
          change({ defaultModel });
        }}
      />
      <KeyField
        value={key}
        onChange={setKey}
        hasKey={editing?.key != null}
        removing={removingKey}
        onRemovingChange={setRemovingKey}
      />
      <AdvancedFields
        values={values}
        onChange={change}
        problems={problems}
        open={advancedOpen}
        onToggle={setAdvancedOpen}
      />
      {error && (
        <p className="error-text backend-form-error" role="alert" data-testid="backend-form-error">
          {error.message}
        </p>
      )}
      <div className="backend-form-actions">
        <button type="button" className="button" data-testid="backend-cancel" onClick={onDone}>
          {t("backends.form.cancel")}
        </button>
        <button type="submit" className="button button-primary" data-testid="backend-save" disabled={saving}>
          {saving
            ? t("backends.form.saving")
            : original === undefined
              ? t("backends.form.add")
              : t("backends.form.save")}
        </button>
      </div>
    </form>
  );
}
