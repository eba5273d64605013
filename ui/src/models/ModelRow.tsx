import { useId, useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import { toApiError } from "../ipc";
import type { ApiError, LocalModel } from "../ipc";
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
    <li className="model-row" data-testid={`model-row-${id}`} aria-labelledby={nameId}>
      <div className="model-summary">
        <div className="model-text">
          <h3 className="model-name" id={nameId}>
            {name}
            {badge && (
              <span className="badge" data-testid={`model-engine-${id}`}>
                {badge}
              </span>
            )}
          </h3>
          {name !== id && <p className="model-id">{id}</p>}
          {facts.length > 0 && (
            <p className="model-facts">
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
        <div className="model-confirm" role="group" aria-label={t("models.delete.label", { name })}>
          <p>
            {linkedTo ? t("models.delete.questionLinked", { name }) : t("models.delete.question", { name })}
            {!linkedTo && summary && ` ${t("models.delete.frees", { size: formatBytes(summary.fileSize) })}`}
          </p>
          <div className="model-actions">
            {/* Cancel first and focused: a stray Enter keeps the model. */}
            <button
              type="button"
              className="button"
              data-testid={`model-delete-cancel-${id}`}
              autoFocus
              onClick={() => {
                setConfirming(false);
                deleteRef.current?.focus();
              }}
            >
              {t("models.delete.cancel")}
            </button>
            <button
              type="button"
              className="button button-danger"
              data-testid={`model-delete-confirm-${id}`}
              disabled={busy}
              onClick={() => void confirmDelete()}
            >
              {t("models.delete.confirm")}
            </button>
          </div>
        </div>
      )}
      {error && (
        <p className="models-error" role="alert">
          {error.message}
        </p>
      )}
    </li>
  );
}
