import { describe, expect, it } from "vitest";
import type { TemplateSummary } from "../ipc";
import { filterTemplates, groupByKind, languagesOf, startingLanguage } from "./filter";

function summary(id: string, language: string, name: string, description = ""): TemplateSummary {
  const kind = id.split(".")[0] as TemplateSummary["kind"];
  return { id, language, name, kind, description, format: "chat", origin: "builtIn", problem: null };
}

const LIST = [
  summary("chat.assistant", "en", "General assistant"),
  summary("chat.assistant", "zh-CN", "通用助手"),
  summary("translate.subtitles", "en", "Translate subtitles", "Numbered cues"),
  summary("translate.plain", "en", "Translate"),
  summary("story.continue", "en", "Continue the story"),
];

const ids = (list: TemplateSummary[]) => list.map((t) => `${t.id}/${t.language}`);

describe("template filter", () => {
  it("matches every word of the query in the name, id or description, ignoring case", () => {
    const all = { kind: "all", language: "all", query: "" } as const;
    expect(ids(filterTemplates(LIST, { ...all, query: "translate SUB" }))).toEqual(["translate.subtitles/en"]);
    expect(ids(filterTemplates(LIST, { ...all, query: "cues" }))).toEqual(["translate.subtitles/en"]);
    expect(ids(filterTemplates(LIST, { ...all, query: "助手" }))).toEqual(["chat.assistant/zh-CN"]);
    expect(filterTemplates(LIST, { ...all, query: "  " })).toHaveLength(5);
  });

  it("filters by kind and language", () => {
    expect(ids(filterTemplates(LIST, { kind: "chat", language: "en", query: "" }))).toEqual(["chat.assistant/en"]);
    expect(filterTemplates(LIST, { kind: "utility", language: "all", query: "" })).toEqual([]);
  });

  it("groups by kind in the app's order, by name within a kind, and lists languages", () => {
    expect(groupByKind(LIST, "en").map(([kind, items]) => [kind, items.map((t) => t.name)])).toEqual([
      ["chat", ["General assistant", "通用助手"]],
      ["story", ["Continue the story"]],
      ["translate", ["Translate", "Translate subtitles"]],
    ]);
    expect(languagesOf(LIST)).toEqual(["en", "zh-CN"]);
  });

  it("starts at the interface language only when templates exist in it", () => {
    expect(startingLanguage(LIST, "zh-CN")).toBe("zh-CN");
    expect(startingLanguage(LIST, "fr")).toBe("all");
  });
});
