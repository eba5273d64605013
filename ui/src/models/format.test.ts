import { describe, expect, it } from "vitest";
import { formatBytes, formatParameters, modelIdOf, percentOf } from "./format";

describe("model numbers", () => {
  it.each([
    [0, "0 bytes"],
    [999, "999 bytes"],
    [1_000, "1.0 KB"],
    [812_345, "812 KB"],
    [470_000_000, "470 MB"],
    [1_117_320_736, "1.1 GB"],
    [20_190_000_000, "20 GB"],
  ])("%d bytes read as %s, as the core writes them", (bytes, text) => {
    expect(formatBytes(bytes)).toBe(text);
  });

  it.each([
    [1_543_714_304, "1.5 B"],
    [494_032_768, "494 M"],
    [7_615_616_512, "7.6 B"],
    [12_000_000_000, "12 B"],
    [135_000, "135 K"],
    [512, "512"],
  ])("%d parameters read as %s", (count, text) => {
    expect(formatParameters(count)).toBe(text);
  });

  it("gives whole percents, and none before the size is known", () => {
    expect(percentOf({ downloaded: 0, total: 1000 })).toBe(0);
    expect(percentOf({ downloaded: 999, total: 1000 })).toBe(99);
    expect(percentOf({ downloaded: 1000, total: 1000 })).toBe(100);
    expect(percentOf({ downloaded: 10, total: null })).toBeNull();
  });

  it("names a catalog entry's model after its file", () => {
    const entry = {
      key: "qwen2.5-1.5b",
      name: "Qwen2.5 1.5B Instruct",
      repo: "Qwen/Qwen2.5-1.5B-Instruct-GGUF",
      file: "qwen2.5-1.5b-instruct-q4_k_m.gguf",
      size: 1_120_000_000,
      description: "Small.",
      recommended: true,
    };
    expect(modelIdOf(entry)).toBe("qwen2.5-1.5b-instruct-q4_k_m");
  });
});
