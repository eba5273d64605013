import { describe, expect, it } from "vitest";
import type { Variable } from "../ipc";
import { fieldProblems, initialFormValues, mergeFormValues, toValues } from "./variableValues";

function variable(name: string, type: Variable["type"], extra: Partial<Variable> = {}): Variable {
  return {
    name,
    label: name,
    type,
    default: null,
    required: false,
    help: "",
    options: type === "choice" ? [{ value: "short", label: "Short" }, { value: "long", label: "Long" }] : [],
    sample: null,
    ...extra,
  };
}

const VARIABLES = [
  variable("text", "long_text", { required: true, sample: "Once upon a time" }),
  variable("words", "number", { default: 250, sample: 120 }),
  variable("length", "choice", { default: "short" }),
  variable("numbered", "bool", { default: false, sample: true }),
  variable("notes", "text"),
];

describe("variable values", () => {
  it("start from samples on the Templates page and from defaults elsewhere", () => {
    expect(initialFormValues(VARIABLES, true)).toEqual({
      text: "Once upon a time",
      words: "120",
      length: "short",
      numbered: true,
      notes: "",
    });
    expect(initialFormValues(VARIABLES, false)).toEqual({
      text: "",
      words: "250",
      length: "short",
      numbered: false,
      notes: "",
    });
  });

  it("leave empty fields out so the core applies defaults, and send numbers as numbers", () => {
    expect(toValues(VARIABLES, { text: "Hi", words: " 300 ", length: "long", numbered: false, notes: "  " })).toEqual({
      text: "Hi",
      words: 300,
      length: "long",
      numbered: false,
    });
  });

  it("send a number that does not parse as typed, for the core to explain", () => {
    expect(toValues(VARIABLES, { words: "many" })).toEqual({ words: "many" });
    expect(fieldProblems(VARIABLES, { text: "x", words: "many" })).toEqual({ words: "number" });
  });

  it("mark required fields that are blank", () => {
    expect(fieldProblems(VARIABLES, { text: " ", words: "" })).toEqual({ text: "required" });
  });

  it("keep typed values across template edits, matched by name and kind of field", () => {
    const typed = { text: "Mine", words: "90", numbered: "yes", gone: "x" };
    const renamed = [variable("text", "long_text", { required: true }), variable("numbered", "bool", { default: true }), variable("fresh", "text", { sample: "new" })];
    expect(mergeFormValues(renamed, typed, true)).toEqual({ text: "Mine", numbered: true, fresh: "new" });
  });
});
