import { describe, expect, it } from "vitest";
import en from "./en.json";
import zhCN from "./zh-CN.json";

/** Flattens nested resources to "a.b.c" → string, failing on anything but strings. */
function flatten(tree: object, prefix = ""): Map<string, string> {
  const out = new Map<string, string>();
  for (const [key, value] of Object.entries(tree)) {
    const path = prefix ? `${prefix}.${key}` : key;
    if (typeof value === "string") out.set(path, value);
    else if (typeof value === "object" && value !== null) {
      for (const entry of flatten(value as object, path)) out.set(...entry);
    } else throw new Error(`${path} is neither a string nor a group`);
  }
  return out;
}

const placeholders = (text: string) => [...text.matchAll(/\{\{\s*(\w+)\s*\}\}/g)].map((m) => m[1]).sort();

const languages = { en: flatten(en), "zh-CN": flatten(zhCN) };

describe("translations", () => {
  it("have the same keys in every language", () => {
    expect([...languages["zh-CN"].keys()].sort()).toEqual([...languages.en.keys()].sort());
  });

  it.each(Object.entries(languages))("%s has no empty strings", (_, strings) => {
    const empty = [...strings].filter(([, text]) => text.trim() === "").map(([key]) => key);
    expect(empty).toEqual([]);
  });

  it("use the same interpolation placeholders in every language", () => {
    for (const [key, text] of languages.en) {
      expect(placeholders(languages["zh-CN"].get(key) ?? ""), key).toEqual(placeholders(text));
    }
  });

  it("really translate the Chinese navigation", () => {
    expect(zhCN.nav).toEqual({
      chat: "聊天",
      story: "故事",
      translate: "翻译",
      history: "历史",
      templates: "模板",
      models: "模型",
      settings: "设置",
    });
  });
});
