import { useTranslation } from "react-i18next";
import { useBackendsStore } from "./backendsStore";

/** The last connection test of one backend: latency and models, or the reason it failed. */
export function TestResult({ name }: { name: string }) {
  const { t, i18n } = useTranslation();
  const test = useBackendsStore((s) => s.tests[name]);
  if (!test) return null;
  const testId = `backend-test-result-${name}`;

  switch (test.status) {
    case "running":
      return (
        <p className="test-result" role="status" data-testid={testId}>
          {t("backends.test.running")}
        </p>
      );
    case "failed":
      return (
        <div className="test-result test-failed" role="alert" data-testid={testId}>
          <p className="test-result-title">{t("backends.test.failed")}</p>
          <p>{test.error.message}</p>
        </div>
      );
    case "ok": {
      const { models, latencyMs } = test.report;
      const latency = latencyMs.toLocaleString(i18n.language);
      return (
        <div className="test-result test-ok" role="status" data-testid={testId}>
          <p className="test-result-title">
            {models.length === 0
              ? t("backends.test.noModels", { latency })
              : t("backends.test.ok", { latency, count: models.length })}
          </p>
          {models.length > 0 && (
            <ul className="test-models">
              {models.map((model) => (
                <li key={model.id}>{model.id}</li>
              ))}
            </ul>
          )}
        </div>
      );
    }
  }
}
