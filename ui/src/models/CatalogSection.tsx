import { useTranslation } from "react-i18next";
import type { CatalogEntry } from "../ipc";
import { DownloadControl } from "./DownloadControl";
import { catalogDescription, formatBytes, modelIdOf } from "./format";
import { useModelsStore } from "./modelsStore";

function CatalogRow({ entry, installed }: { entry: CatalogEntry; installed: boolean }) {
  const { t } = useTranslation();
  return (
    <li data-testid={`catalog-${entry.key}`}>
      <div className="row-summary">
        <div className="row-text">
          <h3 className="row-name">
            {entry.name}
            {entry.recommended && <span className="badge">{t("models.catalog.recommended")}</span>}
          </h3>
          <p className="row-meta">
            <span data-testid={`catalog-description-${entry.key}`}>{catalogDescription(t, entry)}</span>
            <span aria-hidden="true"> · </span>
            <span className="catalog-size" data-testid={`catalog-size-${entry.key}`}>
              {t("models.catalog.size", { size: formatBytes(entry.size) })}
            </span>
          </p>
        </div>
        {installed ? (
          <span className="catalog-installed" data-testid={`catalog-installed-${entry.key}`}>
            {t("models.catalog.installed")}
          </span>
        ) : (
          <div className="catalog-action">
            <DownloadControl entry={entry} />
          </div>
        )}
      </div>
    </li>
  );
}

/** The curated models, one click each; the first-run card offers the recommended one. */
export function CatalogSection() {
  const { t } = useTranslation();
  const load = useModelsStore((s) => s.load);
  const catalog = useModelsStore((s) => s.catalog);
  const models = useModelsStore((s) => s.models);
  if (load.status !== "ready" || catalog.length === 0) return null;
  const installed = new Set(models.map((m) => m.id));
  const firstRun = models.length === 0;
  const entries = catalog.filter((entry) => !(firstRun && entry.recommended));

  return (
    <section className="page-section" aria-labelledby="models-catalog" data-testid="models-catalog">
      <h2 id="models-catalog">{t("models.catalog.title")}</h2>
      <p className="page-section-hint">{t("models.catalog.hint")}</p>
      <ul className="card row-list">
        {entries.map((entry) => (
          <CatalogRow key={entry.key} entry={entry} installed={installed.has(modelIdOf(entry))} />
        ))}
      </ul>
    </section>
  );
}
