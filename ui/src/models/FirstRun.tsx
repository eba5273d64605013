import { useTranslation } from "react-i18next";
import { DownloadControl } from "./DownloadControl";
import { catalogDescription } from "./format";
import { useModelsStore } from "./modelsStore";

/** Shown while no model is installed: the recommended one, one click away. */
export function FirstRun() {
  const { t } = useTranslation();
  const recommended = useModelsStore((s) => s.catalog.find((entry) => entry.recommended));

  return (
    <div className="card first-run" data-testid="models-first-run">
      <h3 className="first-run-title">{t("models.firstRun.title")}</h3>
      {recommended && (
        <>
          <p className="first-run-text">{t("models.firstRun.body", { name: recommended.name })}</p>
          <div className="first-run-offer">
            <p className="row-name">{recommended.name}</p>
            <p className="row-meta" data-testid="first-run-description">
              {catalogDescription(t, recommended)}
            </p>
            <DownloadControl entry={recommended} primary />
          </div>
        </>
      )}
      <p className="first-run-text">{t("models.firstRun.import")}</p>
    </div>
  );
}
