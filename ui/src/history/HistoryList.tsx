import { useVirtualizer } from "@tanstack/react-virtual";
import { useEffect, useRef } from "react";
import { useTranslation } from "react-i18next";
import type { HistoryItem } from "../ipc";
import { formatTime } from "./format";
import { Snippet } from "./Snippet";

/** Every row has this height, so positions are known without measuring. */
export const ROW_HEIGHT = 76;
/** Ask for the next page when this few loaded rows are left below the view. */
const PREFETCH_ROWS = 30;

type Props = {
  items: HistoryItem[];
  hasMore: boolean;
  loading: boolean;
  selected: number | null;
  /** Highlights the first generation of a comparison being picked. */
  comparingFrom: number | null;
  onSelect: (id: number) => void;
  onNeedMore: () => void;
};

/**
 * The generations found, newest or best first. Only the rows in view (and a
 * few around) are in the DOM, and pages arrive as the reader nears the end,
 * so a million rows scroll like a hundred.
 */
export function HistoryList({ items, hasMore, loading, selected, comparingFrom, onSelect, onNeedMore }: Props) {
  const { t, i18n } = useTranslation();
  const scroller = useRef<HTMLDivElement>(null);
  // eslint-disable-next-line react-hooks/incompatible-library -- the virtualizer re-renders through its own callback
  const virtualizer = useVirtualizer({
    count: items.length + (hasMore ? 1 : 0),
    getScrollElement: () => scroller.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 8,
    getItemKey: (index) => items[index]?.id ?? "more",
    // Before the first layout (and in tests) assume a window-sized list.
    initialRect: { width: 600, height: 800 },
  });
  const rows = virtualizer.getVirtualItems();
  const lastShown = rows.at(-1)?.index ?? 0;

  useEffect(() => {
    if (hasMore && !loading && lastShown >= items.length - PREFETCH_ROWS) onNeedMore();
  }, [hasMore, loading, lastShown, items.length, onNeedMore]);

  const move = (step: number) => {
    const at = items.findIndex((item) => item.id === selected);
    const next = items[Math.min(Math.max(at + step, 0), items.length - 1)];
    if (next) {
      onSelect(next.id);
      virtualizer.scrollToIndex(items.indexOf(next), { align: "auto" });
    }
  };

  return (
    <div
      ref={scroller}
      className="history-list"
      data-testid="history-list"
      role="listbox"
      aria-label={t("history.list")}
      tabIndex={0}
      onKeyDown={(event) => {
        if (event.key === "ArrowDown" || event.key === "ArrowUp") {
          event.preventDefault();
          move(event.key === "ArrowDown" ? 1 : -1);
        }
      }}
    >
      <div className="history-list-inner" style={{ height: virtualizer.getTotalSize() }}>
        {rows.map((row) => {
          const item = items[row.index];
          const style = { transform: `translateY(${String(row.start)}px)`, height: ROW_HEIGHT };
          if (!item) {
            return (
              <div key={row.key} className="history-row history-row-more" style={style}>
                {t("history.loadingMore")}
              </div>
            );
          }
          return (
            <div
              key={row.key}
              className="history-row"
              style={style}
              role="option"
              aria-selected={item.id === selected}
              data-comparing={item.id === comparingFrom || undefined}
              data-testid={`history-row-${String(item.id)}`}
              onClick={() => {
                onSelect(item.id);
              }}
            >
              <div className="history-row-meta">
                {item.favourite && (
                  <span className="history-star" aria-label={t("history.favourite")}>
                    ★
                  </span>
                )}
                <span className="history-kind">{item.kind}</span>
                <span className="history-model">{item.model ?? "–"}</span>
                {item.status !== "done" && (
                  <span className={`history-status is-${item.status}`}>{t(`history.status.${item.status}`)}</span>
                )}
                {item.tags.map((tag) => (
                  <span key={tag} className="history-tag">
                    {tag}
                  </span>
                ))}
                <time className="history-time" dateTime={item.createdAt}>
                  {formatTime(item.createdAt, i18n.language)}
                </time>
              </div>
              {item.snippet.length > 0 ? (
                <>
                  <div className="history-row-text">
                    <Snippet parts={item.snippet} />
                  </div>
                  <div className="history-row-prompt">{item.outputPreview}</div>
                </>
              ) : (
                <>
                  <div className="history-row-text">{item.outputPreview || "…"}</div>
                  <div className="history-row-prompt">{item.promptPreview}</div>
                </>
              )}
            </div>
          );
        })}
      </div>
    </div>
  );
}
