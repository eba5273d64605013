import { useState } from "react";
import { useTranslation } from "react-i18next";
import type { GenerationRecord } from "../ipc";
import { ConfirmButton } from "../templates/ConfirmButton";
import { formatMs, formatRate, formatTime, outputText, parseTags, promptText } from "./format";
import { useHistoryStore } from "./historyStore";

async function copy(text: string): Promise<void> {
  await navigator.clipboard.writeText(text);
}

/** Everything about one generation, and what can be done with it. */
export function DetailPane({ record, live }: { record: GenerationRecord; live: string | null }) {
  const { t, i18n } = useTranslation();
  const { toggleFavourite, saveTags, remove, rerun, startCompare, exportSelected, notify } =
    useHistoryStore.getState();
  const comparingFrom = useHistoryStore((s) => s.comparingFrom);
  const [tags, setTags] = useState(record.tags.join(", "));
  const usage = record.usage;
  const timings: [string, string][] = [
    [t("history.detail.created"), formatTime(record.createdAt, i18n.language)],
    [t("history.detail.firstToken"), formatMs(record.ttftMs)],
    [t("history.detail.total"), formatMs(record.totalMs)],
    [t("history.detail.speed"), formatRate(record.tokensPerSecond)],
    [
      t("history.detail.tokens"),
      usage
        ? t(usage.estimated ? "history.detail.tokensEstimated" : "history.detail.tokensCounted", {
            prompt: usage.prompt,
            completion: usage.completion,
          })
        : "–",
    ],
  ];

  return (
    <article className="history-detail" data-testid="history-detail" aria-label={t("history.detail.label")}>
      <header className="history-detail-header">
        <div>
          <h2 className="history-detail-title">
            {record.kind} · {record.backend ?? "–"} / {record.model ?? "–"}
          </h2>
          <p className="history-detail-sub">
            #{record.id} · {t(`history.status.${record.status}`)}
            {record.rerunOf !== null && ` · ${t("history.detail.rerunOf", { id: record.rerunOf })}`}
          </p>
          {record.error && <p className="history-detail-error">{record.error}</p>}
        </div>
        <div className="history-actions">
          <button
            type="button"
            className="button"
            data-testid="history-favourite"
            aria-pressed={record.favourite}
            onClick={() => void toggleFavourite()}
          >
            {record.favourite ? `★ ${t("history.actions.unfavourite")}` : `☆ ${t("history.actions.favourite")}`}
          </button>
          <button
            type="button"
            className="button"
            data-testid="history-copy"
            onClick={() => {
              copy(outputText(record)).then(
                () => {
                  notify({ kind: "copied" });
                },
                (error: unknown) => {
                  notify({ kind: "failed", error: { code: "clipboard", message: String(error), details: null } });
                },
              );
            }}
          >
            {t("history.actions.copy")}
          </button>
          <button type="button" className="button" data-testid="history-rerun" onClick={() => void rerun()}>
            {t("history.actions.rerun")}
          </button>
          <button
            type="button"
            className="button"
            data-testid="history-compare"
            aria-pressed={comparingFrom === record.id}
            onClick={startCompare}
          >
            {t("history.actions.compare")}
          </button>
          <button
            type="button"
            className="button"
            data-testid="history-export-one"
            onClick={() => void exportSelected("markdown")}
          >
            {t("history.actions.exportOne")}
          </button>
          <ConfirmButton
            testId="history-delete"
            label={t("history.actions.delete")}
            question={t("history.actions.deleteQuestion")}
            confirmLabel={t("history.actions.deleteConfirm")}
            disabled={false}
            onConfirm={() => void remove()}
          />
        </div>
      </header>
      {comparingFrom === record.id && (
        <p className="history-hint" role="status">
          {t("history.detail.pickSecond")}
        </p>
      )}

      <form
        className="history-tags"
        onSubmit={(event) => {
          event.preventDefault();
          void saveTags(parseTags(tags));
        }}
      >
        <label htmlFor="history-tags-input">{t("history.detail.tags")}</label>
        <input
          id="history-tags-input"
          className="input"
          data-testid="history-tags"
          placeholder={t("history.detail.tagsPlaceholder")}
          value={tags}
          onChange={(event) => {
            setTags(event.target.value);
          }}
        />
        <button type="submit" className="button" data-testid="history-tags-save">
          {t("history.detail.saveTags")}
        </button>
      </form>

      <dl className="history-timings">
        {timings.map(([label, value]) => (
          <div key={label}>
            <dt>{label}</dt>
            <dd>{value}</dd>
          </div>
        ))}
      </dl>

      <section className="history-section">
        <h3>{t("history.detail.prompt")}</h3>
        <pre className="history-text" data-testid="history-prompt">
          {promptText(record.prompt)}
        </pre>
      </section>
      <section className="history-section">
        <h3>{t("history.detail.output")}</h3>
        {live !== null ? (
          <pre className="history-text" data-testid="history-output" aria-busy="true">
            {live}
          </pre>
        ) : (
          record.choices.map((choice) => (
            <div key={choice.index} className="history-choice">
              {record.choices.length > 1 && (
                <h4>{t("history.detail.choice", { number: choice.index + 1 })}</h4>
              )}
              {choice.reasoning && (
                <details className="history-reasoning">
                  <summary>{t("history.detail.reasoning")}</summary>
                  <pre className="history-text">{choice.reasoning}</pre>
                </details>
              )}
              <pre className="history-text" data-testid="history-output">
                {choice.text}
              </pre>
            </div>
          ))
        )}
      </section>
      <section className="history-section">
        <h3>{t("history.detail.params")}</h3>
        <pre className="history-text history-params">{JSON.stringify(record.params, null, 2)}</pre>
      </section>
    </article>
  );
}
