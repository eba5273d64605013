import type { HistoryStats } from "../ipc";

export type Stacked = {
  days: string[];
  models: string[];
  /** values[day][model] */
  values: number[][];
  /** The tallest day's total. */
  max: number;
};

/** Every day from `first` to `last` (`YYYY-MM-DD`, UTC), both included. */
export function daysBetween(first: string, last: string): string[] {
  const days: string[] = [];
  for (let at = Date.parse(`${first}T00:00:00Z`); at <= Date.parse(`${last}T00:00:00Z`); at += 86_400_000) {
    days.push(new Date(at).toISOString().slice(0, 10));
  }
  return days;
}

/**
 * Per-day rows regrouped as one stacked bar per day, one segment per model.
 * Days without generations get an empty bar, from `since` (or the first
 * day found) to `until` (or the last), so the time axis is even.
 */
export function stackDays(
  perDay: HistoryStats["perDay"],
  measure: "generations" | "tokens",
  since: string | null = null,
  until: string | null = null,
): Stacked {
  const found = [...new Set(perDay.map((row) => row.day))].sort();
  const first = since ?? found[0];
  const last = until ?? found.at(-1);
  const days = first !== undefined && last !== undefined ? daysBetween(first, last) : [];
  const models = [...new Set(perDay.map((row) => row.model))].sort();
  const values = days.map(() => models.map(() => 0));
  const index = new Map(days.map((day, at) => [day, at]));
  for (const row of perDay) {
    const day = values[index.get(row.day) ?? -1];
    if (day) day[models.indexOf(row.model)] = measure === "generations" ? row.generations : row.tokens;
  }
  const max = Math.max(0, ...values.map((day) => day.reduce((sum, v) => sum + v, 0)));
  return { days, models, values, max };
}

/** Distinct colours for up to eight series, then round again. */
export const SERIES_COLOURS = ["#4c78a8", "#f58518", "#54a24b", "#e45756", "#72b7b2", "#b279a2", "#eeca3b", "#9d755d"];

export function seriesColour(index: number): string {
  return SERIES_COLOURS[index % SERIES_COLOURS.length] ?? "#888";
}
