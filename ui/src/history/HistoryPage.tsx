import { useEffect, useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import { EmptyState } from "../ui/EmptyState";
import { HistoryIcon } from "../ui/icons";
import { Page } from "../ui/Page";
import { ComparePane } from "./ComparePane";
import { DetailPane } from "./DetailPane";
import { FilterBar } from "./FilterBar";
import { HistoryList } from "./HistoryList";
import { NoticeLine } from "./NoticeLine";
import { StatsView } from "./StatsView";
import { EMPTY_QUERY, useHistoryStore } from "./historyStore";
import "./History.css";

/** Typing settles this long before the search runs: results follow the typing, not every key. */
export const SEARCH_DELAY_MS = 150;

export function HistoryPage() {
  const { t } = useTranslation();
  const query = useHistoryStore((s) => s.query);
  const items = useHistoryStore((s) => s.items);
  const next = useHistoryStore((s) => s.next);
  const loading = useHistoryStore((s) => s.loading);
  const loadError = useHistoryStore((s) => s.loadError);
  const facets = useHistoryStore((s) => s.facets);
  const selected = useHistoryStore((s) => s.selected);
  const detail = useHistoryStore((s) => s.detail);
  const comparingFrom = useHistoryStore((s) => s.comparingFrom);
  const comparison = useHistoryStore((s) => s.comparison);
  const live = useHistoryStore((s) => s.live);
  const view = useHistoryStore((s) => s.view);
  const notice = useHistoryStore((s) => s.notice);
  const { setQuery, reload, loadMore, loadFacets, select, closeCompare, exportResults, importText, setView, notify } =
    useHistoryStore.getState();
  const [text, setText] = useState(query.text);
  const picker = useRef<HTMLInputElement>(null);

  useEffect(() => {
    void reload();
    void loadFacets();
  }, [reload, loadFacets]);

  useEffect(() => {
    if (text === useHistoryStore.getState().query.text) return;
    const timer = setTimeout(() => {
      setQuery({ text });
    }, SEARCH_DELAY_MS);
    return () => {
      clearTimeout(timer);
    };
  }, [text, setQuery]);

  const filtered = JSON.stringify({ ...query, sort: "newest" }) !== JSON.stringify(EMPTY_QUERY);
  const nothingYet = !loading && !loadError && items.length === 0 && !filtered;

  const readPicked = async (list: FileList | null) => {
    const file = list?.[0];
    if (picker.current) picker.current.value = "";
    if (file) await importText(await file.text());
  };

  return (
    <Page id="history">
      <div className="history-toolbar">
        <input
          type="search"
          className="input history-search"
          data-testid="history-search"
          placeholder={t("history.search")}
          aria-label={t("history.search")}
          value={text}
          onChange={(event) => {
            setText(event.target.value);
          }}
        />
        <div className="history-views" role="group" aria-label={t("history.views.label")}>
          {(["list", "stats"] as const).map((name) => (
            <button
              key={name}
              type="button"
              className="history-toggle"
              data-testid={`history-view-${name}`}
              aria-pressed={view === name}
              onClick={() => {
                setView(name);
              }}
            >
              {t(`history.views.${name}`)}
            </button>
          ))}
        </div>
        <button
          type="button"
          className="button"
          data-testid="history-export-jsonl"
          disabled={items.length === 0}
          onClick={() => void exportResults("jsonl")}
        >
          {t("history.actions.exportJsonl")}
        </button>
        <button
          type="button"
          className="button"
          data-testid="history-export-md"
          disabled={items.length === 0}
          onClick={() => void exportResults("markdown")}
        >
          {t("history.actions.exportMarkdown")}
        </button>
        <button
          type="button"
          className="button"
          data-testid="history-import"
          onClick={() => picker.current?.click()}
        >
          {t("history.actions.import")}
        </button>
        <input
          ref={picker}
          type="file"
          accept=".jsonl,.json,application/x-ndjson,application/json"
          hidden
          data-testid="history-import-file"
          onChange={(event) => void readPicked(event.target.files)}
        />
      </div>
      {notice && (
        <NoticeLine
          notice={notice}
          onDismiss={() => {
            notify(null);
          }}
        />
      )}

      {view === "stats" ? (
        <StatsView />
      ) : nothingYet ? (
        <EmptyState icon={<HistoryIcon />} title={t("pages.history.emptyTitle")} body={t("pages.history.emptyBody")} />
      ) : (
        <>
          <FilterBar query={query} facets={facets} onChange={setQuery} />
          <div className="history-layout">
            <div className="history-results">
              <p className="history-count" data-testid="history-count" aria-live="polite">
                {loadError
                  ? loadError.message
                  : items.length === 0 && !loading
                    ? t("history.noMatch")
                    : t(next ? "history.countMore" : "history.count", { count: items.length })}
              </p>
              <HistoryList
                items={items}
                hasMore={next !== null}
                loading={loading}
                selected={selected}
                comparingFrom={comparingFrom}
                onSelect={(id) => void select(id)}
                onNeedMore={() => void loadMore()}
              />
            </div>
            <div className="history-side">
              {comparison ? (
                <ComparePane first={comparison.first} second={comparison.second} onClose={closeCompare} />
              ) : detail ? (
                <DetailPane key={detail.id} record={detail} live={live?.id === detail.id ? live.text : null} />
              ) : (
                <p className="history-placeholder">{t("history.pick")}</p>
              )}
            </div>
          </div>
        </>
      )}
    </Page>
  );
}
