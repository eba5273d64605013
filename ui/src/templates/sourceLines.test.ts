import { describe, expect, it } from "vitest";
import { offsetOf } from "./sourceLines";

describe("offsetOf", () => {
  const source = "+++\nid = \"x\"\n+++\n{{ 译文 }} {{ oops";

  it("finds a line and column as the core counts them", () => {
    const offset = offsetOf(source, 4, 10);
    expect(source.slice(offset)).toBe("{{ oops");
  });

  it("counts characters outside the basic plane as one column", () => {
    const emoji = "😀x";
    expect(emoji.slice(offsetOf(emoji, 1, 2))).toBe("x");
  });

  it("clamps positions outside the text", () => {
    expect(offsetOf(source, 99, 1)).toBe(source.lastIndexOf("\n") + 1);
    expect(offsetOf(source, 1, 99)).toBe(3);
    expect(offsetOf(source, 2, null)).toBe(4);
  });
});
