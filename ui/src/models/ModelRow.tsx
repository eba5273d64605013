import { useId, useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import { toApiError } from "../ipc";
import type { ApiError, LocalModel } from "../ipc";
import { ConfirmDelete } from "../ui/ConfirmDelete";
import { formatBytes, formatParameters } from "./format";
import { useModelsStore } from "./modelsStore";

/** What the engine is doing with this model, if anything. */
function useEngineBadge(id: string): string | null {
  const { t } = useTranslation();
  const engine = useModelsStore((s) => s.engine);
  if (engine.state === "idle" || engine.model !== id) return null;
  if (engine.state === "ready") return t("models.row.loaded");
  return t("models.row.loadingModel", { percent: Math.floor(engine.progress * 100) });
}

/** One installed model: what it is, what is wrong with it, and delete. */
export function ModelRow({ model }: { model: LocalModel }) {
  const { t, i18n } = useTranslation();
  const { id, summary, problem, linkedTo } = model;
  const nameId = useId();
  const remove = useModelsStore((s) => s.remove);
  const badge = useEngineBadge(id);
  const deleteRef = useRef<HTMLButtonElement>(null);
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const name = summary?.name ?? id;

  const facts: { key: string; text: string }[] = [];
  if (summary) {
    if (summary.architecture) facts.push({ key: "architecture", text: summary.architecture });
    const count = formatParameters(summary.parameters);
    facts.push({ key: "parameters", text: t("models.row.parameters", { count }) });
    if (summary.quantization) facts.push({ key: "quantization", text: summary.quantization });
    if (summary.contextLength !== null) {
      const tokens = summary.contextLength.toLocaleString(i18n.language);
      facts.push({ key: "context", text: t("models.row.context", { tokens }) });
    }
    facts.push({ key: "size", text: formatBytes(summary.fileSize) });
  }

  const question = linkedTo
    ? t("models.delete.questionLinked", { name })
    : summary
      ? `${t("models.delete.question", { name })} ${t("models.delete.frees", { size: formatBytes(summary.fileSize) })}`
      : t("models.delete.question", { name });

  const confirmDelete = async () => {
    setBusy(true);
    setError(null);
    try {
      await remove(id);
    } catch (failure) {
      setError(toApiError(failure));
      setBusy(false);
    }
  };

  return (
    <li data-testid={`model-row-${id}`} aria-labelledby={nameId}>
      <div className="row-summary">
        <div className="row-text">
          <h3 className="row-name" id={nameId}>
            {name}
            {badge && (
              <span className="badge" data-testid={`model-engine-${id}`}>
                {badge}
              </span>
            )}
          </h3>
          {name !== id && <p className="row-mono">{id}</p>}
          {facts.length > 0 && (
            <p className="row-meta">
              {facts.map((fact, index) => (
                <span key={fact.key} data-testid={`model-${fact.key}`}>
                  {index > 0 && <span aria-hidden="true"> · </span>}
                  {fact.text}
                </span>
              ))}
            </p>
          )}
          {summary && !summary.hasChatTemplate && (
            <p className="model-note" data-testid="model-no-template">
              {t("models.row.noChatTemplate")}
            </p>
          )}
          {problem && (
            <p className="model-problem" data-testid="model-problem">
              {t("models.row.problem", { problem })}
            </p>
          )}
          {linkedTo && <p className="model-note">{t("models.row.linked", { path: linkedTo })}</p>}
        </div>
        <button
          type="button"
          className="button button-danger"
          ref={deleteRef}
          data-testid={`model-delete-${id}`}
          aria-expanded={confirming}
          onClick={() => {
            setConfirming(!confirming);
          }}
        >
          {t("models.row.delete")}
        </button>
      </div>
      {confirming && (
        <ConfirmDelete
          label={t("models.delete.label", { name })}
          question={question}
          cancelText={t("models.delete.cancel")}
          confirmText={t("models.delete.confirm")}
          testIds={{ cancel: `model-delete-cancel-${id}`, confirm: `model-delete-confirm-${id}` }}
          busy={busy}
          onConfirm={() => void confirmDelete()}
          onCancel={() => {
            setConfirming(false);
            deleteRef.current?.focus();
          }}
        />
      )}
      {error && (
        <p className="error-text" role="alert">
          {error.message}
        </p>
      )}
    </li>
  );
}
