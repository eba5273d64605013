import { describe, expect, it } from "vitest";
import { daysBetween, stackDays } from "./chart";

describe("stackDays", () => {
  it("puts each day's models side by side in the same order", () => {
    const stacked = stackDays(
      [
        { day: "2026-03-02", model: "b", generations: 2, tokens: 20 },
        { day: "2026-03-01", model: "a", generations: 1, tokens: 10 },
        { day: "2026-03-02", model: "a", generations: 3, tokens: 30 },
      ],
      "generations",
    );
    expect(stacked.days).toEqual(["2026-03-01", "2026-03-02"]);
    expect(stacked.models).toEqual(["a", "b"]);
    expect(stacked.values).toEqual([
      [1, 0],
      [3, 2],
    ]);
    expect(stacked.max).toBe(5);
    expect(stackDays([], "tokens")).toEqual({ days: [], models: [], values: [], max: 0 });
  });

  it("spreads a period evenly, empty days included", () => {
    expect(daysBetween("2026-02-27", "2026-03-02")).toEqual(["2026-02-27", "2026-02-28", "2026-03-01", "2026-03-02"]);
    const stacked = stackDays([{ day: "2026-03-02", model: "a", generations: 4, tokens: 9 }], "tokens", "2026-02-28", "2026-03-03");
    expect(stacked.days).toHaveLength(4);
    expect(stacked.values).toEqual([[0], [0], [9], [0]]);
  });
});
