import { useState } from "react";
import { useTranslation } from "react-i18next";
import { pickModelFile, toApiError } from "../ipc";
import type { ApiError } from "../ipc";
import { FirstRun } from "./FirstRun";
import { ModelRow } from "./ModelRow";
import { ModelsNotice } from "./ModelsNotice";
import { useModelsStore } from "./modelsStore";

type Notice = { kind: "imported"; name: string } | { kind: "failed"; error: ApiError } | null;

/** The models folder, with a way to bring in a file from anywhere. */
export function InstalledSection() {
  const { t } = useTranslation();
  const load = useModelsStore((s) => s.load);
  const models = useModelsStore((s) => s.models);
  const refresh = useModelsStore((s) => s.refresh);
  const importFile = useModelsStore((s) => s.importFile);
  const [importing, setImporting] = useState(false);
  const [notice, setNotice] = useState<Notice>(null);

  const importPicked = async () => {
    setNotice(null);
    try {
      const path = await pickModelFile(t("models.importTitle"));
      if (path === null) return;
      setImporting(true);
      const model = await importFile(path);
      setNotice({ kind: "imported", name: model.summary?.name ?? model.id });
    } catch (failure) {
      setNotice({ kind: "failed", error: toApiError(failure) });
    } finally {
      setImporting(false);
    }
  };

  return (
    <section className="page-section" aria-labelledby="models-installed" data-testid="models-installed">
      <div className="section-heading">
        <h2 id="models-installed">{t("models.installed")}</h2>
        <button
          type="button"
          className="button"
          data-testid="model-import"
          disabled={importing}
          onClick={() => void importPicked()}
        >
          {importing ? t("models.importing") : t("models.import")}
        </button>
      </div>
      <p className="page-section-hint">{t("models.installedHint")}</p>
      {notice && (
        <ModelsNotice
          text={
            notice.kind === "imported"
              ? t("models.imported", { name: notice.name })
              : t("models.importFailed", { message: notice.error.message })
          }
          failed={notice.kind === "failed"}
          testId="model-import-notice"
          onDismiss={() => {
            setNotice(null);
          }}
        />
      )}
      {load.status === "loading" && (
        <div className="card">
          <p className="card-status">{t("models.loading")}</p>
        </div>
      )}
      {load.status === "failed" && (
        <div className="card card-status">
          <p className="error-text" role="alert">
            {t("models.loadFailed", { message: load.error.message })}
          </p>
          <button type="button" className="button" onClick={() => void refresh()}>
            {t("models.retry")}
          </button>
        </div>
      )}
      {load.status === "ready" && models.length === 0 && <FirstRun />}
      {load.status === "ready" && models.length > 0 && (
        <ul className="card row-list" data-testid="model-list">
          {models.map((model) => (
            <ModelRow key={model.id} model={model} />
          ))}
        </ul>
      )}
    </section>
  );
}
