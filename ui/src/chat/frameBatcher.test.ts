import { describe, expect, it } from "vitest";
import { FrameBatcher } from "./frameBatcher";

describe("FrameBatcher", () => {
  it("flushes once per frame however many deltas arrive", () => {
    const frames: (() => void)[] = [];
    const flushed: string[] = [];
    const batcher = new FrameBatcher(
      (value) => flushed.push(value.text),
      (callback) => frames.push(callback),
    );
    for (let i = 0; i < 2000; i++) batcher.add("text", "x");
    batcher.add("reasoning", "r");
    expect(frames).toHaveLength(1);
    frames.shift()?.();
    expect(flushed).toEqual(["x".repeat(2000)]);
    batcher.add("text", "y");
    expect(frames).toHaveLength(1);
    frames.shift()?.();
    expect(flushed[1]).toBe(`${"x".repeat(2000)}y`);
    expect(batcher.current().reasoning).toBe("r");
  });
});
