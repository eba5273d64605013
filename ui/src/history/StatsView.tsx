import { useEffect, useState } from "react";
import { useTranslation } from "react-i18next";
import { historyStats, toApiError } from "../ipc";
import type { ApiError, Distribution, HistoryStats } from "../ipc";
import { seriesColour, stackDays } from "./chart";
import { daysAgo } from "./format";

const RANGES = [7, 30, 90, 365, 0] as const;
const WIDTH = 720;
const HEIGHT = 180;

function DayChart({ stats, measure }: { stats: HistoryStats; measure: "generations" | "tokens" }) {
  const { t } = useTranslation();
  const stacked = stackDays(stats.perDay, measure, stats.since, stats.since === null ? null : daysAgo(0));
  if (stats.perDay.length === 0) return <p className="history-muted">{t("history.stats.nothing")}</p>;
  const slot = WIDTH / stacked.days.length;
  const bar = Math.min(24, Math.max(1, slot * 0.8));
  return (
    <figure className="history-chart">
      <figcaption>{t(`history.stats.per.${measure}`)}</figcaption>
      <svg viewBox={`0 0 ${String(WIDTH)} ${String(HEIGHT + 18)}`} role="img" aria-label={t(`history.stats.per.${measure}`)}>
        {stacked.values.map((models, dayIndex) => {
          let top = HEIGHT;
          const day = stacked.days[dayIndex] ?? "";
          return (
            <g key={day}>
              {models.map((value, modelIndex) => {
                const height = stacked.max > 0 ? (value / stacked.max) * HEIGHT : 0;
                top -= height;
                return (
                  <rect
                    key={modelIndex}
                    x={dayIndex * slot}
                    y={top}
                    width={bar}
                    height={height}
                    fill={seriesColour(modelIndex)}
                  >
                    <title>{`${day} · ${stacked.models[modelIndex] ?? ""}: ${String(value)}`}</title>
                  </rect>
                );
              })}
            </g>
          );
        })}
        <text x={0} y={HEIGHT + 14} className="history-axis">
          {stacked.days[0]}
        </text>
        <line x1={0} x2={WIDTH} y1={HEIGHT} y2={HEIGHT} className="history-baseline" />
        <text x={2} y={10} className="history-axis">
          {stacked.max.toLocaleString()}
        </text>
        <text x={WIDTH} y={HEIGHT + 14} textAnchor="end" className="history-axis">
          {stacked.days.at(-1)}
        </text>
      </svg>
      <ul className="history-legend">
        {stacked.models.map((model, index) => (
          <li key={model}>
            <span className="history-swatch" style={{ background: seriesColour(index) }} />
            {model || "–"}
          </li>
        ))}
      </ul>
    </figure>
  );
}

/** A histogram as a row of small bars, with its percentiles. */
function Spread({ distribution, unit }: { distribution: Distribution; unit: string }) {
  const most = Math.max(1, ...distribution.buckets.map((b) => b.count));
  const value = (v: number | null) => (v === null ? "–" : `${v.toFixed(0)} ${unit}`);
  return (
    <div className="history-spread">
      <svg viewBox={`0 0 ${String(distribution.buckets.length * 14)} 40`} aria-hidden="true">
        {distribution.buckets.map((bucket, index) => (
          <rect
            key={index}
            x={index * 14}
            y={40 - (bucket.count / most) * 40}
            width={11}
            height={(bucket.count / most) * 40}
            fill="var(--accent)"
          >
            <title>{`≤ ${bucket.upTo === null ? "∞" : String(bucket.upTo)}: ${String(bucket.count)}`}</title>
          </rect>
        ))}
      </svg>
      <span>
        p50 {value(distribution.p50)} · p90 {value(distribution.p90)} · p99 {value(distribution.p99)}
      </span>
    </div>
  );
}

/** Generations and tokens per day by model; latency and speed per backend. */
export function StatsView() {
  const { t } = useTranslation();
  const [range, setRange] = useState<(typeof RANGES)[number]>(30);
  const [state, setState] = useState<{ stats: HistoryStats } | { error: ApiError } | null>(null);

  useEffect(() => {
    let current = true;
    historyStats(range === 0 ? null : daysAgo(range)).then(
      (stats) => {
        if (current) setState({ stats });
      },
      (error: unknown) => {
        if (current) setState({ error: toApiError(error) });
      },
    );
    return () => {
      current = false;
    };
  }, [range]);

  return (
    <section className="history-stats" data-testid="history-stats" aria-label={t("history.stats.title")}>
      <div className="history-stats-bar">
        <select
          className="select history-chip"
          data-testid="history-stats-range"
          aria-label={t("history.stats.range")}
          value={range}
          onChange={(event) => {
            setRange(Number(event.target.value) as (typeof RANGES)[number]);
          }}
        >
          {RANGES.map((days) => (
            <option key={days} value={days}>
              {days === 0 ? t("history.stats.all") : t("history.stats.lastDays", { count: days })}
            </option>
          ))}
        </select>
        {state && "stats" in state && (
          <p className="history-muted">
            {t("history.stats.summary", {
              generations: state.stats.generations,
              prompt: state.stats.promptTokens,
              completion: state.stats.completionTokens,
            })}
          </p>
        )}
      </div>
      {state === null && <p>{t("history.loading")}</p>}
      {state && "error" in state && <p role="alert">{state.error.message}</p>}
      {state && "stats" in state && (
        <>
          <DayChart stats={state.stats} measure="generations" />
          <DayChart stats={state.stats} measure="tokens" />
          <table className="history-backends">
            <thead>
              <tr>
                <th>{t("history.stats.backend")}</th>
                <th>{t("history.stats.generations")}</th>
                <th>{t("history.stats.firstToken")}</th>
                <th>{t("history.stats.speed")}</th>
              </tr>
            </thead>
            <tbody>
              {state.stats.perBackend.map((backend) => (
                <tr key={backend.backend}>
                  <td>{backend.backend || "–"}</td>
                  <td>{backend.generations}</td>
                  <td>
                    <Spread distribution={backend.firstTokenMs} unit="ms" />
                  </td>
                  <td>
                    <Spread distribution={backend.tokensPerSecond} unit="t/s" />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </section>
  );
}
