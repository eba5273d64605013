import { useTranslation } from "react-i18next";
import type { GenerationStatus, HistoryFacets, HistoryQuery } from "../ipc";

const STATUSES: GenerationStatus[] = ["done", "streaming", "cancelled", "error", "interrupted"];

type Props = {
  query: HistoryQuery;
  facets: HistoryFacets | null;
  onChange: (patch: Partial<HistoryQuery>) => void;
};

/** Chips for what narrows the list: kind, backend, model, status, dates, favourites, tag, order. */
export function FilterBar({ query, facets, onChange }: Props) {
  const { t } = useTranslation();
  const choice = (
    field: "kind" | "backend" | "model" | "tag",
    values: string[],
    label: string,
  ) => (
    <select
      className="select history-chip"
      data-testid={`history-filter-${field}`}
      aria-label={label}
      data-active={query[field] !== null || undefined}
      value={query[field] ?? ""}
      onChange={(event) => {
        onChange({ [field]: event.target.value || null });
      }}
    >
      <option value="">{label}</option>
      {values.map((value) => (
        <option key={value} value={value}>
          {value}
        </option>
      ))}
    </select>
  );
  const day = (field: "since" | "until") => (
    <label className="history-date">
      <span>{t(`history.filters.${field}`)}</span>
      <input
        type="date"
        className="input history-chip"
        data-testid={`history-filter-${field}`}
        value={query[field] ?? ""}
        onChange={(event) => {
          onChange({ [field]: event.target.value || null });
        }}
      />
    </label>
  );
  const active =
    query.kind !== null ||
    query.backend !== null ||
    query.model !== null ||
    query.status !== null ||
    query.since !== null ||
    query.until !== null ||
    query.tag !== null ||
    query.favourite;

  return (
    <div className="history-filters" role="group" aria-label={t("history.filters.label")}>
      <button
        type="button"
        className="history-toggle"
        data-testid="history-filter-favourite"
        aria-pressed={query.favourite}
        onClick={() => {
          onChange({ favourite: !query.favourite });
        }}
      >
        ★ {t("history.filters.favourites")}
      </button>
      {choice("kind", facets?.kinds ?? [], t("history.filters.kind"))}
      {choice("backend", facets?.backends ?? [], t("history.filters.backend"))}
      {choice("model", facets?.models ?? [], t("history.filters.model"))}
      <select
        className="select history-chip"
        data-testid="history-filter-status"
        aria-label={t("history.filters.status")}
        data-active={query.status !== null || undefined}
        value={query.status ?? ""}
        onChange={(event) => {
          onChange({ status: (event.target.value || null) as GenerationStatus | null });
        }}
      >
        <option value="">{t("history.filters.status")}</option>
        {STATUSES.map((status) => (
          <option key={status} value={status}>
            {t(`history.status.${status}`)}
          </option>
        ))}
      </select>
      {choice(
        "tag",
        (facets?.tags ?? []).map((tag) => tag.tag),
        t("history.filters.tag"),
      )}
      {day("since")}
      {day("until")}
      <select
        className="select history-chip"
        data-testid="history-sort"
        aria-label={t("history.sort.label")}
        value={query.sort}
        onChange={(event) => {
          onChange({ sort: event.target.value === "relevance" ? "relevance" : "newest" });
        }}
      >
        <option value="newest">{t("history.sort.newest")}</option>
        <option value="relevance">{t("history.sort.relevance")}</option>
      </select>
      {active && (
        <button
          type="button"
          className="button button-quiet"
          data-testid="history-filter-clear"
          onClick={() => {
            onChange({
              kind: null,
              backend: null,
              model: null,
              status: null,
              since: null,
              until: null,
              tag: null,
              favourite: false,
            });
          }}
        >
          {t("history.filters.clear")}
        </button>
      )}
    </div>
  );
}
