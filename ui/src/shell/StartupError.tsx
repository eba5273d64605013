import { useTranslation } from "react-i18next";
import type { ApiError } from "../ipc";
import { AlertIcon } from "../ui/icons";
import "./StartupError.css";

/** Replaces the whole app when the store cannot be opened: nothing else can work. */
export function StartupError({ error }: { error: ApiError }) {
  const { t } = useTranslation();
  return (
    <main className="startup-error" data-testid="startup-error">
      <div className="startup-error-card">
        <div className="startup-error-icon">
          <AlertIcon />
        </div>
        <h1>{t("startup.title")}</h1>
        <p className="startup-error-message">{error.message}</p>
        <section className="startup-error-details" aria-labelledby="startup-error-details-title">
          <h2 id="startup-error-details-title">{t("startup.details")}</h2>
          <dl className="startup-error-code">
            <dt>{t("startup.code")}</dt>
            <dd>
              <code>{error.code}</code>
            </dd>
          </dl>
          {error.details && <pre>{error.details}</pre>}
        </section>
        <p className="startup-error-hint">{t("startup.untouched")}</p>
      </div>
    </main>
  );
}
