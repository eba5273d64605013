import { useEffect, useState } from "react";
import { useTranslation } from "react-i18next";
import { useBackendsStore } from "../backends/backendsStore";
import { doctor, toApiError } from "../ipc";
import type { ApiError, DoctorReport } from "../ipc";

type Report = { status: "loading" } | { status: "ok"; report: DoctorReport } | { status: "failed"; error: ApiError };

const PATHS = ["dataDir", "dbPath", "logDir"] as const;
const COUNTS = ["backends", "models", "generations"] as const;

/** Where the data lives and how much of it there is, straight from the core's `doctor`. */
export function AboutSection() {
  const { t, i18n } = useTranslation();
  const [state, setState] = useState<Report>({ status: "loading" });
  // Read again when servers are added or removed, so the counts stay true.
  const backendCount = useBackendsStore((s) => s.backends.length);

  useEffect(() => {
    let mounted = true;
    doctor().then(
      (report) => {
        if (mounted) setState({ status: "ok", report });
      },
      (error: unknown) => {
        if (mounted) setState({ status: "failed", error: toApiError(error) });
      },
    );
    return () => {
      mounted = false;
    };
  }, [backendCount]);

  const number = (n: number) => n.toLocaleString(i18n.language);

  return (
    <section className="page-section" aria-labelledby="settings-about">
      <h2 id="settings-about">{t("settings.about.title")}</h2>
      <p className="page-section-hint">{t("settings.about.hint")}</p>
      <div className="card">
        {state.status === "loading" && <p className="card-status">{t("settings.about.loading")}</p>}
        {state.status === "failed" && (
          <p className="card-status error-text" role="alert">
            {t("settings.about.failed", { message: state.error.message })}
          </p>
        )}
        {state.status === "ok" && (
          <dl className="about-list" data-testid="about">
            <div className="about-item">
              <dt>{t("settings.about.version")}</dt>
              <dd>{state.report.version}</dd>
            </div>
            {PATHS.map((key) => (
              <div className="about-item" key={key}>
                <dt>{t(`settings.about.${key}`)}</dt>
                <dd className="about-path">{state.report[key]}</dd>
              </div>
            ))}
            <div className="about-item">
              <dt>{t("settings.about.schemaVersion")}</dt>
              <dd>{state.report.schemaVersion}</dd>
            </div>
            {COUNTS.map((key) => (
              <div className="about-item" key={key}>
                <dt>{t(`settings.about.${key}`)}</dt>
                <dd>{number(state.report[key])}</dd>
              </div>
            ))}
          </dl>
        )}
      </div>
    </section>
  );
}
