import { useState } from "react";
import { useTranslation } from "react-i18next";
import type { Origin, TemplateEntry } from "../ipc";
import { VariableForm } from "../ui/VariableForm";
import { mergeFormValues, toValues } from "../ui/variableValues";
import type { FormValues } from "../ui/variableValues";
import { ConfirmButton } from "./ConfirmButton";
import { PreviewPane } from "./PreviewPane";
import { SourceEditor } from "./SourceEditor";
import { isDirty, useTemplatesStore } from "./templatesStore";
import { usePreview } from "./usePreview";

/**
 * The open template: its file in an editor on one side; on the other, a
 * form from its variables (filled with sample values) and the live preview.
 */
export function TemplateWorkbench({ entry }: { entry: TemplateEntry | null }) {
  const { t } = useTranslation();
  const draft = useTemplatesStore((s) => s.draft);
  const dirty = useTemplatesStore(isDirty);
  const busy = useTemplatesStore((s) => s.busy);
  const { edit, save, duplicate, remove, reset, exportOpen, close } = useTemplatesStore.getState();
  const [form, setForm] = useState<FormValues>({});

  // Before the first preview, and while the text has a syntax error, the
  // form keeps the variables of the saved version.
  const [variablesFrom, setVariablesFrom] = useState(entry?.template?.variables ?? []);
  const values = toValues(variablesFrom, mergeFormValues(variablesFrom, form, true));
  const preview = usePreview(draft, values);
  const fresh = preview.status === "ready" ? preview.preview.template?.variables : undefined;
  if (fresh && JSON.stringify(fresh) !== JSON.stringify(variablesFrom)) setVariablesFrom(fresh);
  const filled = mergeFormValues(variablesFrom, form, true);

  const parsed = preview.status === "ready" ? preview.preview.template : null;
  const name = parsed?.name ?? entry?.summary.name ?? t("templates.untitled");
  const origin: Origin = entry?.summary.origin ?? "custom";
  const problem = preview.status === "ready" ? preview.preview.problem : null;

  return (
    <div className="template-workbench" data-testid="template-workbench">
      <header className="template-header">
        <div className="template-title">
          <h2 data-testid="template-name">{name}</h2>
          <p className="template-subtitle">
            <code>{parsed?.id ?? entry?.summary.id ?? "—"}</code>
            <span className="template-tag">{parsed?.language ?? entry?.summary.language}</span>
            <span className="template-tag template-tag-accent">
              {entry ? t(`templates.origin.${origin}`) : t("templates.origin.new")}
            </span>
            {dirty && <span className="template-tag template-tag-warn">{t("templates.unsaved")}</span>}
          </p>
          {(parsed?.description ?? entry?.summary.description) && (
            <p className="template-description">{parsed?.description ?? entry?.summary.description}</p>
          )}
        </div>
        <div className="template-actions">
          <button
            type="button"
            className="button button-primary"
            data-testid="templates-save"
            disabled={busy || !dirty}
            onClick={() => void save()}
          >
            {origin === "builtIn" && entry ? t("templates.actions.saveEdit") : t("templates.actions.save")}
          </button>
          {dirty && entry && (
            <button
              type="button"
              className="button"
              data-testid="templates-revert"
              onClick={() => {
                edit(entry.source);
              }}
            >
              {t("templates.actions.revert")}
            </button>
          )}
          {entry && (
            <>
              <button
                type="button"
                className="button"
                data-testid="templates-duplicate"
                disabled={busy}
                onClick={() => void duplicate()}
              >
                {t("templates.actions.duplicate")}
              </button>
              <button
                type="button"
                className="button"
                data-testid="templates-export"
                disabled={busy}
                onClick={() => void exportOpen()}
              >
                {t("templates.actions.export")}
              </button>
            </>
          )}
          {entry && origin === "modified" && (
            <ConfirmButton
              testId="templates-reset"
              label={t("templates.actions.reset")}
              question={t("templates.actions.resetQuestion")}
              confirmLabel={t("templates.actions.resetConfirm")}
              disabled={busy}
              onConfirm={() => void reset()}
            />
          )}
          {entry && origin === "custom" && (
            <ConfirmButton
              testId="templates-delete"
              label={t("templates.actions.delete")}
              question={t("templates.actions.deleteQuestion")}
              confirmLabel={t("templates.actions.deleteConfirm")}
              disabled={busy}
              onConfirm={() => void remove()}
            />
          )}
          {!entry && (
            <button type="button" className="button" data-testid="templates-cancel" onClick={close}>
              {t("templates.actions.cancel")}
            </button>
          )}
        </div>
      </header>
      {origin === "builtIn" && entry && dirty && <p className="template-hint">{t("templates.editingBuiltIn")}</p>}

      <div className="template-panes">
        <section className="template-pane" aria-label={t("templates.editor.title")}>
          <SourceEditor
            value={draft}
            onChange={edit}
            onSave={() => {
              if (dirty && !busy) void save();
            }}
            problem={problem}
            label={t("templates.editor.title")}
          />
        </section>
        <section className="template-pane template-side" aria-label={t("templates.preview.title")}>
          <h3 className="template-pane-title">{t("templates.form.title")}</h3>
          <VariableForm variables={variablesFrom} values={filled} onChange={setForm} />
          <h3 className="template-pane-title">{t("templates.preview.title")}</h3>
          {preview.status === "ready" && preview.preview.rendering && (
            <PreviewPane rendering={preview.preview.rendering} stale={preview.stale} />
          )}
          {preview.status === "ready" && !preview.preview.rendering && (
            <p className="template-preview-waiting">{t("templates.preview.unavailable")}</p>
          )}
          {preview.status === "failed" && (
            <p className="template-preview-waiting" role="alert">
              {preview.error.message}
            </p>
          )}
          {preview.status === "idle" && <p className="template-preview-waiting">{t("templates.preview.loading")}</p>}
        </section>
      </div>
    </div>
  );
}
