import { describe, expect, it } from "vitest";
import i18n from "../i18n";
import { catalogDescription, formatBytes, formatParameters, modelIdOf, percentOf } from "./format";

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

describe("catalog descriptions", () => {
  // The keys of the core's catalog (src/backend/local/catalog.rs).
  const CORE_KEYS = ["qwen2.5-1.5b", "qwen3-1.7b", "qwen3-0.6b", "llama3.2-3b", "gemma3-1b", "smollm2-1.7b"];
  const entry = (key: string, description: string) => ({
    key,
    name: key,
    repo: `someone/${key}`,
    file: `${key}.gguf`,
    size: 1,
    description,
    recommended: false,
  });

  it.each(CORE_KEYS)("are translated for %s, dots and all", (key) => {
    // A stand-in for the core's text shows whether the lookup fell back to it.
    const english = catalogDescription(i18n.getFixedT("en"), entry(key, "core text"));
    const chinese = catalogDescription(i18n.getFixedT("zh-CN"), entry(key, "core text"));
    expect(english).not.toBe("core text");
    expect(english).toMatch(/^[\x20-\x7e]+\.$/);
    expect(chinese).not.toBe("core text");
    expect(chinese).toMatch(/[\u4e00-\u9fff]/);
  });

  it("fall back to the core's text for a key the interface does not know", () => {
    const chinese = i18n.getFixedT("zh-CN");
    expect(catalogDescription(chinese, entry("tiny9.9-0.1b", "A newer model."))).toBe("A newer model.");
    expect(catalogDescription(chinese, entry("odd:key", "Another."))).toBe("Another.");
  });
});
