import { useEffect, useId, useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import { localThreads, setLocalThreads, toApiError } from "../ipc";
import type { ApiError, LocalThreads } from "../ipc";
import { useSettingsStore } from "../settings/settingsStore";
import { ModelsNotice } from "./ModelsNotice";

type Load = { status: "loading" } | { status: "ready"; threads: LocalThreads } | { status: "failed"; error: ApiError };

type Notice = { kind: "saved" } | { kind: "failed"; error: ApiError } | null;

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
  const [notice, setNotice] = useState<Notice>(null);
  // Saves can overlap; only the newest one may decide what is shown.
  const newestSave = useRef(0);

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
    const save = ++newestSave.current;
    const before = choice;
    const count = value === AUTOMATIC ? null : Number(value);
    const { replace } = useSettingsStore.getState();
    const withChoice = (localThreads: number | null) => {
      replace({ ...useSettingsStore.getState().settings, localThreads });
    };
    withChoice(count);
    setNotice(null);
    try {
      const saved = await setLocalThreads(count);
      if (save !== newestSave.current) return;
      replace(saved);
      setNotice({ kind: "saved" });
    } catch (failure) {
      if (save !== newestSave.current) return;
      withChoice(before);
      setNotice({ kind: "failed", error: toApiError(failure) });
    }
  };

  return (
    <section className="page-section" aria-labelledby="models-threads" data-testid="models-threads">
      <h2 id="models-threads">{t("models.threads.title")}</h2>
      <p className="page-section-hint">{t("models.threads.hint")}</p>
      {notice && (
        <ModelsNotice
          text={
            notice.kind === "saved"
              ? t("models.threads.saved")
              : t("models.threads.saveFailed", { message: notice.error.message })
          }
          failed={notice.kind === "failed"}
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
