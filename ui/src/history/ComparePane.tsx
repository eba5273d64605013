import { useEffect, useState } from "react";
import { useTranslation } from "react-i18next";
import { compareGenerations, toApiError } from "../ipc";
import type { ApiError, Comparison, DiffPart, GenerationRecord } from "../ipc";
import { formatMs } from "./format";

/** One side of a diff: what both share, plus what only this side has, marked. */
function Side({ parts, keep }: { parts: DiffPart[]; keep: "removed" | "added" }) {
  return (
    <pre className="history-text">
      {parts
        .filter((part) => part.op === "same" || part.op === keep)
        .map((part, index) =>
          part.op === "same" ? (
            <span key={index}>{part.text}</span>
          ) : (
            <mark key={index} className={`history-diff-${keep}`}>
              {part.text}
            </mark>
          ),
        )}
    </pre>
  );
}

function Heading({ record }: { record: GenerationRecord }) {
  return (
    <h3 className="history-compare-title">
      #{record.id} · {record.model ?? "–"} · {formatMs(record.totalMs)}
    </h3>
  );
}

/** Two generations side by side, their differences marked word by word. */
export function ComparePane({ first, second, onClose }: { first: number; second: number; onClose: () => void }) {
  const { t } = useTranslation();
  const [state, setState] = useState<{ comparison: Comparison } | { error: ApiError } | null>(null);

  useEffect(() => {
    let current = true;
    compareGenerations(first, second).then(
      (comparison) => {
        if (current) setState({ comparison });
      },
      (error: unknown) => {
        if (current) setState({ error: toApiError(error) });
      },
    );
    return () => {
      current = false;
    };
  }, [first, second]);

  return (
    <article className="history-detail" data-testid="history-comparison" aria-label={t("history.compare.label")}>
      <header className="history-detail-header">
        <h2 className="history-detail-title">{t("history.compare.title", { first, second })}</h2>
        <button type="button" className="button" data-testid="history-compare-close" onClick={onClose}>
          {t("history.compare.close")}
        </button>
      </header>
      {state === null && <p>{t("history.loading")}</p>}
      {state && "error" in state && (
        <p className="history-detail-error" role="alert">
          {state.error.message}
        </p>
      )}
      {state && "comparison" in state && (
        <>
          <section className="history-section">
            <h3>{t("history.detail.output")}</h3>
            <div className="history-compare">
              <div>
                <Heading record={state.comparison.first} />
                <Side parts={state.comparison.output} keep="removed" />
              </div>
              <div>
                <Heading record={state.comparison.second} />
                <Side parts={state.comparison.output} keep="added" />
              </div>
            </div>
          </section>
          <section className="history-section">
            <h3>{t("history.detail.prompt")}</h3>
            <div className="history-compare">
              <Side parts={state.comparison.prompt} keep="removed" />
              <Side parts={state.comparison.prompt} keep="added" />
            </div>
          </section>
          <section className="history-section">
            <h3>{t("history.detail.params")}</h3>
            <div className="history-compare">
              <pre className="history-text history-params">
                {JSON.stringify(state.comparison.first.params, null, 2)}
              </pre>
              <pre className="history-text history-params">
                {JSON.stringify(state.comparison.second.params, null, 2)}
              </pre>
            </div>
          </section>
        </>
      )}
    </article>
  );
}
