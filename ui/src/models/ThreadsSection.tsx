import { useEffect, useId, useState } from "react";
import { useTranslation } from "react-i18next";
import { localThreads, toApiError } from "../ipc";
import type { ApiError, LocalThreads } from "../ipc";
import { useSettingsStore } from "../settings/settingsStore";
import type { SaveOutcome } from "../settings/settingsStore";
import { ModelsNotice } from "./ModelsNotice";

type Load = { status: "loading" } | { status: "ready"; threads: LocalThreads } | { status: "failed"; error: ApiError };

/** The select's value for a null setting: the count the environment asked for at start, else the physical cores. */
const AUTOMATIC = "automatic";

/** 1 to the logical processors, and a stored count beyond them, so it is shown rather than replaced. */
function countsFor(available: number, choice: number | null): number[] {
  const counts = Array.from({ length: available }, (_, i) => i + 1);
  if (choice !== null && !counts.includes(choice)) counts.push(choice);
  return counts.sort((a, b) => a - b);
}

/** How many threads local models run with. The core reads it once, when the app starts. */
export function ThreadsSection() {
  const { t } = useTranslation();
  const selectId = useId();
  const hintId = useId();
  const [load, setLoad] = useState<Load>({ status: "loading" });
  // The stored choice lives with the other settings, read when the app starts.
  const choice = useSettingsStore((s) => s.settings.localThreads);
  const chooseLocalThreads = useSettingsStore((s) => s.chooseLocalThreads);
  const [notice, setNotice] = useState<SaveOutcome>(null);

  useEffect(() => {
    let live = true;
    localThreads()
      .then((threads) => {
        if (live) setLoad({ status: "ready", threads });
      })
      .catch((failure: unknown) => {
        if (live) setLoad({ status: "failed", error: toApiError(failure) });
      });
    return () => {
      live = false;
    };
  }, []);

  if (load.status === "loading") return null;

  const choose = async (value: string) => {
    setNotice(null);
    // An overtaken save leaves the notice to the newer one.
    const outcome = await chooseLocalThreads(value === AUTOMATIC ? null : Number(value));
    if (outcome) setNotice(outcome);
  };

  return (
    <section className="page-section" aria-labelledby="models-threads" data-testid="models-threads">
      <h2 id="models-threads">{t("models.threads.title")}</h2>
      <p className="page-section-hint">{t("models.threads.hint")}</p>
      {notice && (
        <ModelsNotice
          text={
            notice.saved
              ? t("models.threads.saved")
              : t("models.threads.saveFailed", { message: notice.error.message })
          }
          failed={!notice.saved}
          testId="local-threads-notice"
          onDismiss={() => {
            setNotice(null);
          }}
        />
      )}
      {load.status === "failed" ? (
        <div className="card card-status">
          <p className="error-text" role="alert">
            {t("models.threads.loadFailed", { message: load.error.message })}
          </p>
        </div>
      ) : (
        <div className="card threads-card">
          <label className="threads-label" htmlFor={selectId}>
            {t("models.threads.label")}
          </label>
          <select
            id={selectId}
            className="select threads-select"
            data-testid="local-threads"
            aria-describedby={hintId}
            value={choice === null ? AUTOMATIC : String(choice)}
            onChange={(e) => void choose(e.target.value)}
          >
            <option value={AUTOMATIC}>
              {load.threads.fromEnvironment === null
                ? t("models.threads.automatic", { count: load.threads.automatic })
                : t("models.threads.automaticFromEnvironment", { count: load.threads.fromEnvironment })}
            </option>
            {countsFor(load.threads.available, choice).map((count) => (
              <option key={count} value={String(count)}>
                {count}
              </option>
            ))}
          </select>
          <ThreadsHint id={hintId} threads={load.threads} choice={choice} />
        </div>
      )}
    </section>
  );
}

/** The count in force, and the one the stored choice brings at the next start where they differ. */
function ThreadsHint({ id, threads, choice }: { id: string; threads: LocalThreads; choice: number | null }) {
  const { t } = useTranslation();
  const next = choice ?? threads.fromEnvironment ?? threads.automatic;
  return (
    <p className="threads-hint" id={id} data-testid="local-threads-hint">
      {t("models.threads.inForce", { count: threads.inForce })}
      {next !== threads.inForce && (
        <>
          {" "}
          <strong className="threads-restart" data-testid="local-threads-restart">
            {t("models.threads.restart", { count: next })}
          </strong>
        </>
      )}
    </p>
  );
}
