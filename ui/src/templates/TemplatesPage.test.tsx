import { act, fireEvent, render, screen, within } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import * as ipc from "../ipc";
import type { Preview, Template, TemplateEntry, TemplateKey, TemplateSummary, Values } from "../ipc";
import { TemplatesPage } from "./TemplatesPage";
import { useTemplatesStore } from "./templatesStore";
import { PREVIEW_DELAY_MS } from "./usePreview";

// Only our IPC wrapper is faked; the fake keeps a library like the core does.
vi.mock("../ipc", async (importOriginal) => ({
  ...(await importOriginal<typeof import("../ipc")>()),
  listTemplates: vi.fn(),
  getTemplate: vi.fn(),
  previewTemplate: vi.fn(),
  templateStarter: vi.fn(),
  saveTemplate: vi.fn(),
  duplicateTemplate: vi.fn(),
  deleteTemplate: vi.fn(),
  resetTemplate: vi.fn(),
  importTemplates: vi.fn(),
  exportTemplates: vi.fn(),
}));
const api = vi.mocked(ipc);

function source(id: string, language: string, name: string, kind = id.split(".")[0] ?? "") {
  return `+++\nid = "${id}"\nname = "${name}"\nkind = "${kind}"\nlanguage = "${language}"\n+++\n{% call user() %}{{ text }}{% endcall %}\n`;
}

/** What the fake core reads out of a template file: just its id, name and language. */
function read(text: string): Template | null {
  const field = (key: string) => new RegExp(`^${key} = "(.*)"$`, "m").exec(text)?.[1];
  const id = field("id");
  const name = field("name");
  const language = field("language");
  const kind = field("kind");
  if (!id || !name || !language || !kind) return null;
  return {
    id,
    name,
    kind: kind as Template["kind"],
    description: `About ${name}`,
    language,
    variables: [
      {
        name: "text",
        label: "Story so far",
        type: "long_text",
        default: null,
        required: true,
        help: "",
        options: [],
        sample: "The boat appeared.",
      },
    ],
    params: { temperature: 0.9, maxTokens: null, stop: [] },
    format: "chat",
  };
}

let stored: Map<string, { source: string; origin: TemplateSummary["origin"] }>;
const id = (key: TemplateKey) => `${key.id}/${key.language}`;

function entryOf(key: TemplateKey): TemplateEntry {
  const row = stored.get(id(key));
  if (!row) throw new ipc.IpcError({ code: "template_not_found", message: "There is no such template.", details: null });
  const template = read(row.source);
  if (!template) throw new Error("the fake only stores readable templates");
  return {
    summary: {
      id: template.id,
      language: template.language,
      name: template.name,
      kind: template.kind,
      description: template.description,
      format: "chat",
      origin: row.origin,
      problem: null,
    },
    source: row.source,
    template,
    problem: null,
  };
}

function fakePreview(text: string, values: Values): Preview {
  const broken = text.split("\n").findIndex((line) => line.includes("{{ oops"));
  if (broken >= 0) {
    return {
      template: null,
      rendering: null,
      problem: {
        code: "template_syntax",
        message: `Template, line ${String(broken + 1)}, column 4: syntax error: unexpected end of input.`,
        line: broken + 1,
        column: 4,
      },
    };
  }
  const template = read(text);
  const story = values.text;
  if (typeof story !== "string") {
    return {
      template,
      rendering: null,
      problem: { code: "template_missing_value", message: "`text` needs a value.", line: null, column: null },
    };
  }
  return {
    template,
    rendering: {
      template: { id: template?.id ?? "", language: template?.language ?? "" },
      prompt: { format: "chat", messages: [{ role: "user", content: `Continue: ${story}` }] },
      params: { temperature: 0.9, maxTokens: null, stop: [] },
    },
    problem: null,
  };
}

beforeEach(() => {
  vi.useFakeTimers();
  stored = new Map([
    ["story.continue/en", { source: source("story.continue", "en", "Continue the story"), origin: "builtIn" }],
    ["story.continue/zh-CN", { source: source("story.continue", "zh-CN", "续写故事"), origin: "builtIn" }],
    ["translate.plain/en", { source: source("translate.plain", "en", "Translate"), origin: "builtIn" }],
    ["utility.haiku/en", { source: source("utility.haiku", "en", "Haiku"), origin: "custom" }],
  ]);

  api.listTemplates.mockImplementation(() =>
    Promise.resolve([...stored.keys()].map((key) => entryOf({ id: key.split("/")[0] ?? "", language: key.split("/")[1] ?? "" }).summary)),
  );
  api.getTemplate.mockImplementation((key) => Promise.resolve(entryOf(key)));
  api.previewTemplate.mockImplementation((text, values) => Promise.resolve(fakePreview(text, values)));
  api.templateStarter.mockResolvedValue(source("my.template", "en", "My template", "utility"));
  api.saveTemplate.mockImplementation((text, replacing) => {
    const template = read(text);
    if (!template) return Promise.reject(new ipc.IpcError({ code: "template_syntax", message: "Bad.", details: null }));
    const key = { id: template.id, language: template.language };
    const before = replacing ? stored.get(id(replacing)) : undefined;
    const origin = before?.origin === "builtIn" || before?.origin === "modified" ? "modified" : "custom";
    stored.set(id(key), { source: text, origin });
    return Promise.resolve(entryOf(key));
  });
  api.deleteTemplate.mockImplementation((key) => {
    stored.delete(id(key));
    return Promise.resolve();
  });
  api.exportTemplates.mockResolvedValue(["/home/ada/Downloads/story.continue.en.md"]);
  useTemplatesStore.setState({
    load: { status: "loading" },
    templates: [],
    open: { kind: "none" },
    draft: "",
    baseline: "",
    leaving: null,
    notice: null,
    busy: false,
  });
});

afterEach(() => {
  vi.useRealTimers();
});

/** Runs an action, then lets timers (the preview's debounce) and promises settle. */
async function settle(action: () => void = () => undefined) {
  await act(async () => {
    action();
    await vi.advanceTimersByTimeAsync(PREVIEW_DELAY_MS + 50);
  });
}

async function renderPage() {
  await settle(() => render(<TemplatesPage />));
}

async function openTemplate(testId: string) {
  await settle(() => fireEvent.click(screen.getByTestId(testId)));
  await settle();
}

describe("the templates page", () => {
  it("lists templates by kind in the interface language, with search and filters", async () => {
    await renderPage();
    expect(screen.getByTestId("template-story.continue-en")).toBeTruthy();
    expect(screen.queryByTestId("template-story.continue-zh-CN")).toBeNull();
    expect(screen.getByRole("heading", { name: "Story" })).toBeTruthy();

    await settle(() => fireEvent.change(screen.getByTestId("templates-language"), { target: { value: "all" } }));
    expect(screen.getByTestId("template-story.continue-zh-CN")).toBeTruthy();

    await settle(() => fireEvent.click(screen.getByTestId("templates-kind-translate")));
    expect(screen.queryByTestId("template-story.continue-en")).toBeNull();
    expect(screen.getByTestId("template-translate.plain-en")).toBeTruthy();

    await settle(() => fireEvent.click(screen.getByTestId("templates-kind-all")));
    await settle(() => fireEvent.change(screen.getByTestId("templates-search"), { target: { value: "haiku" } }));
    const item = screen.getByTestId("template-utility.haiku-en");
    expect(within(item).getByText("Yours")).toBeTruthy();
    expect(screen.queryByTestId("template-translate.plain-en")).toBeNull();
  });

  it("previews with sample values and again as the form changes", async () => {
    await renderPage();
    await openTemplate("template-story.continue-en");
    expect(screen.getByTestId("template-name").textContent).toBe("Continue the story");
    const preview = screen.getByTestId("template-preview");
    expect(within(preview).getByText("Continue: The boat appeared.")).toBeTruthy();
    expect(within(preview).getByText("temperature 0.9")).toBeTruthy();

    await settle(() => fireEvent.change(screen.getByTestId("var-text"), { target: { value: "It rained." } }));
    expect(within(screen.getByTestId("template-preview")).getByText("Continue: It rained.")).toBeTruthy();
    expect(api.previewTemplate).toHaveBeenLastCalledWith(expect.stringContaining("story.continue"), {
      text: "It rained.",
    });
  });

  it("marks a syntax error at its line and jumps there", async () => {
    await renderPage();
    await openTemplate("template-story.continue-en");
    const editor = screen.getByTestId<HTMLTextAreaElement>("template-source");
    const broken = `${editor.value}{{ oops`;
    await settle(() => fireEvent.change(editor, { target: { value: broken } }));

    const problem = screen.getByTestId("template-problem");
    expect(problem.textContent).toContain("line 8, column 4");
    expect(editor.getAttribute("aria-invalid")).toBe("true");
    const marked = document.querySelector(".source-line-number.is-problem");
    expect(marked?.textContent).toBe("8");
    // The form keeps the saved version's variables while the text does not read.
    expect(screen.getByTestId("var-text")).toBeTruthy();

    await settle(() => fireEvent.click(within(problem).getByRole("button", { name: "Go to line 8" })));
    expect(document.activeElement).toBe(editor);
    expect(editor.selectionStart).toBe(broken.indexOf("oops"));
  });

  it("saves an edit of a built-in as the person's version", async () => {
    await renderPage();
    await openTemplate("template-story.continue-en");
    const save = screen.getByTestId<HTMLButtonElement>("templates-save");
    expect(save.disabled).toBe(true);
    const editor = screen.getByTestId<HTMLTextAreaElement>("template-source");
    const edited = editor.value.replace("Continue the story", "Continue, my way");
    await settle(() => fireEvent.change(editor, { target: { value: edited } }));
    expect(screen.getByText("Unsaved")).toBeTruthy();

    await settle(() => fireEvent.click(save));
    expect(api.saveTemplate).toHaveBeenCalledWith(edited, { id: "story.continue", language: "en" });
    expect(screen.getByTestId("templates-notice").textContent).toContain("Saved.");
    expect(screen.queryByText("Unsaved")).toBeNull();
    expect(within(screen.getByTestId("template-story.continue-en")).getByText("Edited")).toBeTruthy();
    expect(screen.getByTestId("templates-reset")).toBeTruthy();
  });

  it("asks before leaving unsaved changes", async () => {
    await renderPage();
    await openTemplate("template-story.continue-en");
    const editor = screen.getByTestId<HTMLTextAreaElement>("template-source");
    await settle(() => fireEvent.change(editor, { target: { value: `${editor.value}more` } }));

    await openTemplate("template-translate.plain-en");
    expect(screen.getByTestId("templates-leaving")).toBeTruthy();
    await settle(() => fireEvent.click(screen.getByRole("button", { name: "Keep editing" })));
    expect(screen.getByTestId("template-name").textContent).toBe("Continue the story");
    expect(screen.getByTestId<HTMLTextAreaElement>("template-source").value).toContain("more");

    await openTemplate("template-translate.plain-en");
    await openTemplate("templates-discard");
    expect(screen.getByTestId("template-name").textContent).toBe("Translate");
  });

  it("creates a new template from the starter", async () => {
    await renderPage();
    await openTemplate("templates-new");
    expect(within(screen.getByTestId("template-workbench")).getByText("New")).toBeTruthy();
    const editor = screen.getByTestId<HTMLTextAreaElement>("template-source");
    const text = editor.value.replace('name = "My template"', 'name = "Limerick"');
    await settle(() => fireEvent.change(editor, { target: { value: text } }));
    // Ctrl+S in the editor saves, as the Save button does.
    await settle(() => fireEvent.keyDown(editor, { key: "s", ctrlKey: true }));
    expect(api.saveTemplate).toHaveBeenCalledWith(text, null);
    expect(screen.getByTestId("template-my.template-en")).toBeTruthy();
    expect(screen.getByTestId("template-name").textContent).toBe("Limerick");
  });

  it("closes a new template that is cancelled", async () => {
    await renderPage();
    await openTemplate("templates-new");
    await settle(() => fireEvent.click(screen.getByTestId("templates-cancel")));
    expect(screen.queryByTestId("template-workbench")).toBeNull();
    expect(api.saveTemplate).not.toHaveBeenCalled();
  });

  it("deletes one of the person's templates only after confirming", async () => {
    await renderPage();
    await openTemplate("template-utility.haiku-en");
    expect(screen.queryByTestId("templates-reset")).toBeNull();
    await settle(() => fireEvent.click(screen.getByTestId("templates-delete")));
    expect(api.deleteTemplate).not.toHaveBeenCalled();
    await settle(() => fireEvent.click(screen.getByTestId("templates-delete-confirm")));
    expect(api.deleteTemplate).toHaveBeenCalledWith({ id: "utility.haiku", language: "en" });
    expect(screen.queryByTestId("template-utility.haiku-en")).toBeNull();
    expect(screen.queryByTestId("template-workbench")).toBeNull();
  });

  it("offers to replace existing templates when an import clashes", async () => {
    api.importTemplates.mockImplementation((files, replace) =>
      replace
        ? Promise.resolve([
            { file: files[0]?.name ?? "", template: { id: "utility.haiku", language: "en" }, name: "Haiku", status: "replaced" },
          ])
        : Promise.reject(
            new ipc.IpcError({
              code: "template_exists",
              message: "Cannot import: utility.haiku (en) already exists; import with replace to overwrite.",
              details: null,
            }),
          ),
    );
    await renderPage();
    const file = new File([source("utility.haiku", "en", "Haiku")], "haiku.md", { type: "text/markdown" });
    await settle(() => fireEvent.change(screen.getByTestId("templates-import-files"), { target: { files: [file] } }));
    await settle();
    const notice = screen.getByTestId("templates-notice");
    expect(notice.textContent).toContain("already exists");

    await settle(() => fireEvent.click(screen.getByTestId("templates-import-replace")));
    await settle();
    expect(api.importTemplates).toHaveBeenLastCalledWith([{ name: "haiku.md", text: source("utility.haiku", "en", "Haiku") }], true);
    expect(screen.getByTestId("templates-notice").textContent).toContain("Replaced: Haiku");
    expect(screen.getByTestId("template-name").textContent).toBe("Haiku");
  });

  it("says where an export was saved", async () => {
    await renderPage();
    await openTemplate("template-story.continue-en");
    await settle(() => fireEvent.click(screen.getByTestId("templates-export")));
    expect(api.exportTemplates).toHaveBeenCalledWith([{ id: "story.continue", language: "en" }]);
    expect(screen.getByTestId("templates-notice").textContent).toContain("/home/ada/Downloads/story.continue.en.md");
  });
});
