import { act, fireEvent, render, screen, within } from "@testing-library/react";
import { beforeEach, describe, expect, it, vi } from "vitest";
import * as ipc from "../ipc";
import type { BackendDraft, BackendView, KeyLocation, Preset, Settings } from "../ipc";
import { useSettingsStore } from "../settings/settingsStore";
import { BackendsSection } from "./BackendsSection";
import { useBackendsStore } from "./backendsStore";
import { DEFAULT_SETTINGS } from "./form";

// Only our IPC wrapper is faked; the fake below keeps state like the core does.
vi.mock("../ipc", async (importOriginal) => ({
  ...(await importOriginal<typeof import("../ipc")>()),
  getSettings: vi.fn(),
  listBackends: vi.fn(),
  listPresets: vi.fn(),
  probeLocalServers: vi.fn(),
  addBackend: vi.fn(),
  updateBackend: vi.fn(),
  setBackendKey: vi.fn(),
  deleteBackend: vi.fn(),
  testBackend: vi.fn(),
  setDefaultBackend: vi.fn(),
}));
const api = vi.mocked(ipc);

const OPENAI: Preset = {
  id: "openai",
  name: "OpenAI",
  baseUrl: "https://api.openai.com/v1",
  defaultModel: "gpt-4o-mini",
  needsKey: true,
  local: false,
};
const DEEPSEEK: Preset = {
  id: "deepseek",
  name: "DeepSeek",
  baseUrl: "https://api.deepseek.com/v1",
  defaultModel: "deepseek-chat",
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
const KEYCHAIN: KeyLocation = { kind: "keychain" };
const SECRET = "sk-proj-7f3a9c1e5b";
const REFUSED = "The server answered 401 Unauthorized: Incorrect API key provided.";

let views: BackendView[];
let settings: Settings;
let nextId: number;

function view(draft: BackendDraft, key: KeyLocation | null, id = nextId++): BackendView {
  const { name, kind, baseUrl, defaultModel } = draft;
  const backend = { id, name, kind, baseUrl, defaultModel, settings: draft.settings ?? DEFAULT_SETTINGS };
  return { backend: { ...backend, createdAt: "2025-05-01T09:00:00Z" }, key };
}

function preset(p: Preset, name = p.name): BackendDraft {
  return { name, kind: "openai", baseUrl: p.baseUrl, defaultModel: p.defaultModel, settings: DEFAULT_SETTINGS };
}

beforeEach(() => {
  nextId = 1;
  views = [];
  settings = { language: "en", theme: "system", defaultBackend: null, localThreads: null };
  api.getSettings.mockImplementation(() => Promise.resolve(settings));
  api.listBackends.mockImplementation(() => Promise.resolve(views));
  api.listPresets.mockResolvedValue([OPENAI, DEEPSEEK, OLLAMA]);
  api.probeLocalServers.mockResolvedValue([]);
  api.addBackend.mockImplementation((draft, key) => {
    const added = view(draft, key ? KEYCHAIN : null);
    views = [...views, added];
    return Promise.resolve(added);
  });
  api.updateBackend.mockImplementation((name, draft) => {
    const old = views.find((v) => v.backend.name === name);
    if (!old) throw new Error(`no backend ${name}`);
    const changed = view(draft, old.key, old.backend.id);
    views = views.map((v) => (v === old ? changed : v));
    if (settings.defaultBackend === name) settings = { ...settings, defaultBackend: draft.name };
    return Promise.resolve(changed);
  });
  api.setBackendKey.mockImplementation((name, key) => {
    const location = key ? KEYCHAIN : null;
    views = views.map((v) => (v.backend.name === name ? { ...v, key: location } : v));
    return Promise.resolve(location);
  });
  api.deleteBackend.mockImplementation((name) => {
    views = views.filter((v) => v.backend.name !== name);
    if (settings.defaultBackend === name) settings = { ...settings, defaultBackend: null };
    return Promise.resolve(settings);
  });
  api.setDefaultBackend.mockImplementation((name) => {
    settings = { ...settings, defaultBackend: name };
    return Promise.resolve(settings);
  });
  useBackendsStore.setState(useBackendsStore.getInitialState(), true);
  useSettingsStore.setState({ settings, saveError: null });
});

/** Runs an action inside act() and lets the faked IPC promises settle. */
async function settle(action: () => void) {
  await act(async () => {
    action();
    await new Promise((resolve) => setTimeout(resolve, 0));
  });
}

async function renderSection() {
  useSettingsStore.setState({ settings });
  await settle(() => render(<BackendsSection />));
  return screen.getByTestId("backends-section");
}

const click = (testId: string) => settle(() => fireEvent.click(screen.getByTestId(testId)));
const type = (testId: string, value: string) =>
  settle(() => fireEvent.change(screen.getByTestId(testId), { target: { value } }));
const valueOf = (testId: string) => screen.getByTestId<HTMLInputElement>(testId).value;

describe("adding", () => {
  it("fills the form from a preset and sends that draft with the key", async () => {
    await renderSection();
    await click("backend-add");
    await type("backend-preset", "openai");

    expect(valueOf("backend-base-url")).toBe(OPENAI.baseUrl);
    expect(valueOf("backend-model")).toBe("gpt-4o-mini");
    expect(valueOf("backend-name")).toBe("OpenAI");
    expect(screen.getByText("OpenAI needs an API key.")).toBeTruthy();

    await type("backend-key", `  ${SECRET}\n`);
    await click("backend-save");

    expect(api.addBackend).toHaveBeenCalledExactlyOnceWith(preset(OPENAI), SECRET);
    const row = screen.getByTestId("backend-row-OpenAI");
    expect(within(row).getByText(OPENAI.baseUrl)).toBeTruthy();
    expect(within(row).getByText("Default model: gpt-4o-mini")).toBeTruthy();
    expect(within(row).getByText("Key in the system keychain")).toBeTruthy();
    expect(screen.queryByTestId("backend-form")).toBeNull();
  });

  it("sends the advanced settings as typed", async () => {
    await renderSection();
    await click("backend-add");
    await type("backend-base-url", "https://llm.example.org/v1/");
    await type("backend-name", "Lab server");
    await click("backend-advanced");
    await type("backend-proxy", "socks5://127.0.0.1:1080");
    await settle(() => fireEvent.click(screen.getByRole("button", { name: "Add header" })));
    await settle(() => fireEvent.change(screen.getByLabelText("Header 1 name"), { target: { value: "X-Team" } }));
    await settle(() => fireEvent.change(screen.getByLabelText("Header 1 value"), { target: { value: "drafts" } }));
    await type("backend-connectTimeout", "2.5");
    await type("backend-maxRetries", "0");
    await type("backend-maxConcurrent", "1");
    await click("backend-stream");
    await click("backend-save");

    expect(api.addBackend).toHaveBeenCalledExactlyOnceWith(
      {
        name: "Lab server",
        kind: "openai",
        baseUrl: "https://llm.example.org/v1/",
        defaultModel: null,
        settings: {
          ...DEFAULT_SETTINGS,
          headers: { "X-Team": "drafts" },
          proxy: "socks5://127.0.0.1:1080",
          connectTimeoutSecs: 2.5,
          maxRetries: 0,
          maxConcurrent: 1,
          stream: false,
        },
      },
      null,
    );
  });

  it("explains what to fix next to each field and sends nothing", async () => {
    await renderSection();
    await click("backend-add");
    await type("backend-base-url", "localhost:8080");
    await type("backend-proxy", "ftp://proxy.example.org");
    await type("backend-idleTimeout", "0");
    await click("backend-save");

    expect(api.addBackend).not.toHaveBeenCalled();
    expect(screen.getByText("Give the server a name.")).toBeTruthy();
    expect(screen.getByText("Enter a URL that starts with http:// or https://.")).toBeTruthy();
    expect(screen.getByText("Enter a URL that starts with http://, https:// or socks5://.")).toBeTruthy();
    expect(screen.getByText("Enter a number of seconds above zero.")).toBeTruthy();
    expect(screen.getByTestId("backend-advanced").closest("details")?.open).toBe(true);
    expect(document.activeElement).toBe(screen.getByTestId("backend-base-url"));
    expect(screen.getByTestId("backend-name").getAttribute("aria-invalid")).toBe("true");
  });

  it("shows the core's refusal next to the form and keeps what was typed", async () => {
    const refusal = "This backend cannot be saved: the base URL must start with http:// or https://.";
    api.addBackend.mockRejectedValue(new ipc.IpcError({ code: "invalid_backend", message: refusal, details: null }));
    await renderSection();
    await click("backend-add");
    await type("backend-preset", "deepseek");
    await click("backend-save");

    expect(within(screen.getByTestId("backend-form")).getByRole("alert").textContent).toBe(refusal);
    expect(valueOf("backend-name")).toBe("DeepSeek");
  });
});

describe("keys", () => {
  it("are never shown back; an empty field keeps the key and Remove key removes it", async () => {
    const path = "/home/ada/.local/share/scriptorium/keys/OpenAI";
    views = [view(preset(OPENAI), { kind: "file", path })];
    await renderSection();
    expect(screen.getByText(`Key in ${path} (readable by you only)`)).toBeTruthy();

    await click("backend-edit-OpenAI");
    expect(valueOf("backend-key")).toBe("");
    expect(screen.getByText(/Leave this empty to keep it/)).toBeTruthy();
    await type("backend-model", "gpt-4.1-mini");
    await click("backend-save");
    expect(api.setBackendKey).not.toHaveBeenCalled();
    expect(api.updateBackend).toHaveBeenCalledExactlyOnceWith("OpenAI", {
      ...preset(OPENAI),
      defaultModel: "gpt-4.1-mini",
    });

    await click("backend-edit-OpenAI");
    await click("backend-remove-key");
    expect(screen.getByTestId<HTMLInputElement>("backend-key").disabled).toBe(true);
    await click("backend-save");
    expect(api.setBackendKey).toHaveBeenCalledExactlyOnceWith("OpenAI", "");
    expect(within(screen.getByTestId("backend-row-OpenAI")).getByText("No key")).toBeTruthy();
  });

  it("leave no trace of a typed key in the page once saved", async () => {
    views = [view(preset(OPENAI), null)];
    await renderSection();
    await click("backend-edit-OpenAI");
    await type("backend-key", SECRET);
    await click("backend-save");

    expect(api.setBackendKey).toHaveBeenCalledExactlyOnceWith("OpenAI", SECRET);
    expect(within(screen.getByTestId("backend-row-OpenAI")).getByText("Key in the system keychain")).toBeTruthy();
    await click("backend-edit-OpenAI");
    expect(document.body.innerHTML).not.toContain(SECRET);
    const inputs = [...document.querySelectorAll("input")].map((input) => input.value);
    expect(inputs).not.toContain(SECRET);
    expect(valueOf("backend-key")).toBe("");
  });
});

describe("testing a connection", () => {
  it("shows the exact sentence the core gives when it fails", async () => {
    views = [view(preset(OPENAI), KEYCHAIN)];
    api.testBackend.mockRejectedValue(new ipc.IpcError({ code: "backend_http", message: REFUSED, details: null }));
    await renderSection();
    await click("backend-test-OpenAI");

    expect(api.testBackend).toHaveBeenCalledExactlyOnceWith("OpenAI");
    const result = screen.getByTestId("backend-test-result-OpenAI");
    expect(result.getAttribute("role")).toBe("alert");
    expect(within(result).getByText(REFUSED)).toBeTruthy();
  });

  it("shows the latency and the models, then offers them as the default model", async () => {
    views = [view(preset(OPENAI), KEYCHAIN)];
    api.testBackend.mockResolvedValue({
      latencyMs: 1234,
      models: [
        { id: "gpt-4o-mini", ownedBy: "openai" },
        { id: "gpt-4.1", ownedBy: null },
      ],
    });
    await renderSection();
    await click("backend-test-OpenAI");

    const result = screen.getByTestId("backend-test-result-OpenAI");
    expect(within(result).getByText("Connected in 1,234 ms. The server lists 2 models:")).toBeTruthy();
    expect(within(result).getByText("gpt-4.1")).toBeTruthy();

    await click("backend-edit-OpenAI");
    const options = within(screen.getByTestId("backend-model-pick")).getAllByRole("option");
    expect(options.map((o) => o.textContent)).toEqual(["Models the server lists", "gpt-4o-mini", "gpt-4.1"]);
    await type("backend-model-pick", "gpt-4.1");
    expect(valueOf("backend-model")).toBe("gpt-4.1");
    await type("backend-model", "my-fine-tune");
    expect(valueOf("backend-model")).toBe("my-fine-tune");
  });
});

describe("deleting", () => {
  it("asks first, and only deletes once confirmed", async () => {
    views = [view(preset(OPENAI), KEYCHAIN), view(preset(DEEPSEEK), KEYCHAIN)];
    await renderSection();

    await click("backend-delete-OpenAI");
    expect(api.deleteBackend).not.toHaveBeenCalled();
    expect(screen.getByText("Delete OpenAI? Its API key is deleted too.")).toBeTruthy();
    await click("backend-delete-cancel-OpenAI");
    expect(screen.queryByTestId("backend-delete-confirm-OpenAI")).toBeNull();
    expect(api.deleteBackend).not.toHaveBeenCalled();

    await click("backend-delete-OpenAI");
    await click("backend-delete-confirm-OpenAI");
    expect(api.deleteBackend).toHaveBeenCalledExactlyOnceWith("OpenAI");
    expect(screen.queryByTestId("backend-row-OpenAI")).toBeNull();
    expect(screen.getByTestId("backend-row-DeepSeek")).toBeTruthy();
  });
});

describe("the default backend", () => {
  it("wears the badge, which follows setDefaultBackend and a rename", async () => {
    views = [view(preset(DEEPSEEK), KEYCHAIN), view(preset(OPENAI), KEYCHAIN)];
    settings = { ...settings, defaultBackend: "OpenAI" };
    await renderSection();
    expect(screen.getByTestId("backend-default-badge-OpenAI")).toBeTruthy();
    expect(screen.queryByTestId("backend-default-badge-DeepSeek")).toBeNull();
    expect(screen.queryByTestId("backend-make-default-OpenAI")).toBeNull();

    await click("backend-make-default-DeepSeek");
    expect(api.setDefaultBackend).toHaveBeenCalledExactlyOnceWith("DeepSeek");
    expect(screen.getByTestId("backend-default-badge-DeepSeek")).toBeTruthy();
    expect(screen.queryByTestId("backend-default-badge-OpenAI")).toBeNull();
    expect(screen.getByTestId("backend-make-default-OpenAI")).toBeTruthy();

    await click("backend-edit-DeepSeek");
    await type("backend-name", "DeepSeek (work)");
    await click("backend-save");
    expect(screen.getByTestId("backend-default-badge-DeepSeek (work)")).toBeTruthy();
  });
});

describe("first run", () => {
  it("offers the servers found on this machine and adds one with a click", async () => {
    const models = ["llama3.2", "qwen2.5:7b", "mistral"].map((id) => ({ id, ownedBy: "library" }));
    api.probeLocalServers.mockResolvedValue([{ preset: OLLAMA, models }]);
    await renderSection();

    const card = screen.getByTestId("backend-found-ollama");
    expect(card.textContent).toContain("Add Ollama (3 models)");
    await click("backend-found-ollama");

    expect(api.addBackend).toHaveBeenCalledExactlyOnceWith({ ...preset(OLLAMA), defaultModel: "llama3.2" }, null);
    expect(within(screen.getByTestId("backend-row-Ollama")).getByText("No key")).toBeTruthy();
    expect(screen.queryByTestId("backends-first-run")).toBeNull();
  });

  it("lists the presets when nothing runs here, and one opens the form", async () => {
    await renderSection();
    expect(api.probeLocalServers).toHaveBeenCalledOnce();
    expect(screen.getByText(/No model server is running on this computer/)).toBeTruthy();

    await click("backend-start-deepseek");
    expect(valueOf("backend-preset")).toBe("deepseek");
    expect(valueOf("backend-base-url")).toBe(DEEPSEEK.baseUrl);
  });

  it("does not probe when backends exist", async () => {
    views = [view(preset(OPENAI), KEYCHAIN)];
    await renderSection();
    expect(api.probeLocalServers).not.toHaveBeenCalled();
  });
});
