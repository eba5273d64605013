import { describe, expect, it } from "vitest";
import type { Preset } from "../ipc";
import { choosePreset, headerRow, newValues, toDraft, uniqueName } from "./form";
import type { FormValues } from "./form";

const OPENAI: Preset = {
  id: "openai",
  name: "OpenAI",
  baseUrl: "https://api.openai.com/v1",
  defaultModel: "gpt-4o-mini",
  needsKey: true,
  local: false,
};
const OLLAMA: Preset = {
  id: "ollama",
  name: "Ollama",
  baseUrl: "http://127.0.0.1:11434/v1",
  defaultModel: null,
  needsKey: false,
  local: true,
};
const PRESETS = [OPENAI, OLLAMA];

const valid = (patch: Partial<FormValues> = {}): FormValues => ({ ...newValues(OPENAI, []), ...patch });

describe("uniqueName", () => {
  it.each([
    ["free", [], "Ollama"],
    ["taken", ["Ollama"], "Ollama 2"],
    ["taken twice", ["Ollama", "Ollama 2"], "Ollama 3"],
  ])("%s", (_, taken, expected) => {
    expect(uniqueName("Ollama", taken)).toBe(expected);
  });
});

describe("choosePreset", () => {
  it("replaces the previous preset's name, URL and model", () => {
    const values = choosePreset(newValues(OPENAI, ["OpenAI"]), OLLAMA, PRESETS, ["OpenAI"]);
    expect(values).toMatchObject({ presetId: "ollama", name: "Ollama", baseUrl: OLLAMA.baseUrl, defaultModel: "" });
  });

  it("keeps a name and a model the person typed", () => {
    const typed = { ...newValues(OPENAI, []), name: "Work", defaultModel: "gpt-4.1" };
    expect(choosePreset(typed, OLLAMA, PRESETS, [])).toMatchObject({ name: "Work", defaultModel: "gpt-4.1" });
  });

  it("keeps everything but the choice when going custom", () => {
    const values = newValues(OPENAI, []);
    expect(choosePreset(values, null, PRESETS, [])).toEqual({ ...values, presetId: "custom" });
  });
});

describe("toDraft", () => {
  it("trims text and turns numbers and empty fields into what the core takes", () => {
    const typed = valid({
      name: "  Work ",
      defaultModel: "  ",
      proxy: " ",
      connectTimeout: "2.5",
      headers: [headerRow(" X-A ", " 1 ")],
    });
    const result = toDraft(typed, []);
    expect(result.draft).toMatchObject({
      name: "Work",
      defaultModel: null,
      settings: { proxy: null, connectTimeoutSecs: 2.5, headers: { "X-A": "1" } },
    });
  });

  it.each([
    ["a taken name", { name: "Taken" }, "name", "nameTaken"],
    ["a URL without a scheme", { baseUrl: "api.example.org/v1" }, "baseUrl", "urlInvalid"],
    ["an ftp proxy", { proxy: "ftp://proxy" }, "proxy", "proxyInvalid"],
    ["an empty timeout", { firstByteTimeout: "" }, "firstByteTimeout", "timeout"],
    ["a negative timeout", { idleTimeout: "-1" }, "idleTimeout", "timeout"],
    ["fractional retries", { maxRetries: "1.5" }, "maxRetries", "retries"],
    ["no concurrency", { maxConcurrent: "0" }, "maxConcurrent", "concurrent"],
  ])("refuses %s", (_, patch, field, problem) => {
    expect(toDraft(valid(patch), ["Taken"]).problems).toEqual({ [field]: problem });
  });

  it("checks header rows one by one and skips empty ones", () => {
    const rows = [
      headerRow("Bad Name", "x"),
      headerRow("authorization", "Bearer"),
      headerRow("X-A"),
      headerRow("x-a"),
    ];
    const [bad, auth, , dupe] = rows.map((row) => `header:${String(row.key)}`);
    const result = toDraft(valid({ headers: [...rows, headerRow()] }), []);
    expect(result.problems).toEqual({
      [String(bad)]: "headerName",
      [String(auth)]: "headerAuthorization",
      [String(dupe)]: "headerDuplicate",
    });
  });
});
