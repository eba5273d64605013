import { useTranslation } from "react-i18next";
import type { CatalogEntry } from "../ipc";
import { formatBytes, percentOf } from "./format";
import { useModelsStore } from "./modelsStore";

/** Download, its progress with a way to stop, and how it ended. */
export function DownloadControl({ entry, primary = false }: { entry: CatalogEntry; primary?: boolean }) {
  const { t } = useTranslation();
  const state = useModelsStore((s) => s.downloads[entry.key]);
  const download = useModelsStore((s) => s.download);
  const cancel = useModelsStore((s) => s.cancel);
  const { key } = entry;

  if (state?.status === "running") {
    const { progress } = state;
    const percent = progress ? percentOf(progress) : null;
    let text = t("models.catalog.starting");
    if (progress && progress.total !== null) {
      const [done, total] = [formatBytes(progress.downloaded), formatBytes(progress.total)];
      text = t("models.catalog.progress", { percent: percent ?? 0, done, total });
    } else if (progress) {
      text = formatBytes(progress.downloaded);
    }
    return (
      <div className="download" data-testid={`download-${key}`} data-status="running">
        <progress
          className="download-bar"
          aria-label={t("models.catalog.progressLabel", { name: entry.name })}
          max={100}
          // Without a percent the bar shows that something is happening.
          value={percent ?? undefined}
        />
        <div className="download-line">
          <span className="download-text" data-testid={`download-progress-${key}`}>
            {text}
          </span>
          <button
            type="button"
            className="button"
            data-testid={`download-cancel-${key}`}
            onClick={() => void cancel(entry)}
          >
            {t("models.catalog.cancel")}
          </button>
        </div>
      </div>
    );
  }

  const start = (label: string) => (
    <button
      type="button"
      className={primary ? "button button-primary" : "button"}
      data-testid={`download-start-${key}`}
      onClick={() => void download(entry)}
    >
      {label}
    </button>
  );

  if (state?.status === "stopped") {
    return (
      <div className="download" data-testid={`download-${key}`} data-status="stopped">
        {state.progress && state.progress.downloaded > 0 && (
          <p className="download-text">
            {t("models.catalog.stopped", { done: formatBytes(state.progress.downloaded) })}
          </p>
        )}
        {start(t("models.catalog.resume"))}
      </div>
    );
  }

  if (state?.status === "failed") {
    return (
      <div className="download" data-testid={`download-${key}`} data-status="failed">
        <p className="error-text" role="alert">
          {t("models.catalog.failed", { message: state.error.message })}
        </p>
        {start(t("models.catalog.retry"))}
      </div>
    );
  }

  return start(
    primary ? t("models.catalog.downloadSize", { size: formatBytes(entry.size) }) : t("models.catalog.download"),
  );
}
