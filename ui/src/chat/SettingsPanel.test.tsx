import { act, fireEvent, render, screen } from "@testing-library/react";
import { beforeEach, describe, expect, it, vi } from "vitest";
import * as ipc from "../ipc";
import type { BackendView, ConversationView, LocalModel } from "../ipc";
import { defaultSettings, useChatStore } from "./chatStore";
import { SettingsPanel } from "./SettingsPanel";

// Only our IPC wrapper is faked.
vi.mock("../ipc", async (importOriginal) => ({
  ...(await importOriginal<typeof import("../ipc")>()),
  listBackends: vi.fn(),
  listLocalModels: vi.fn(),
  updateChatSettings: vi.fn(),
  getConversation: vi.fn(),
}));
const api = vi.mocked(ipc);

const localModel = (id: string, problem: string | null = null) => ({ id, problem }) as LocalModel;
/** A model whose file says how much context it was trained for. */
const trainedFor = (id: string, contextLength: number | null) =>
  ({ id, problem: null, summary: { contextLength } }) as LocalModel;
const view = { conversation: { id: 3, settings: defaultSettings() } } as unknown as ConversationView;

beforeEach(() => {
  vi.resetAllMocks();
  api.listBackends.mockResolvedValue([{ backend: { name: "openai" }, key: null } as unknown as BackendView]);
  api.listLocalModels.mockResolvedValue([localModel("broken", "not a model"), localModel("tiny-qwen2")]);
  api.updateChatSettings.mockResolvedValue();
  api.getConversation.mockResolvedValue(view);
  useChatStore.setState({ view });
});

async function settle(action: () => void = () => undefined) {
  await act(async () => {
    action();
    await new Promise((resolve) => setTimeout(resolve, 0));
  });
}

describe("the chat's model picker", () => {
  it("offers the local models that can run, and saves the one chosen", async () => {
    await settle(() => render(<SettingsPanel settings={defaultSettings()} onClose={() => undefined} />));
    const backend = screen.getByTestId<HTMLSelectElement>("chat-backend");
    expect([...backend.options].map((o) => o.value)).toEqual(["", "openai", "local"]);
    expect(screen.getByTestId("chat-model").tagName).toBe("INPUT");

    fireEvent.change(backend, { target: { value: "local" } });
    const model = screen.getByTestId<HTMLSelectElement>("chat-model");
    expect(model.tagName).toBe("SELECT");
    expect([...model.options].map((o) => o.value)).toEqual(["tiny-qwen2"]);
    expect(model.value).toBe("tiny-qwen2");

    await settle(() => fireEvent.click(screen.getByTestId("chat-settings-save")));
    expect(api.updateChatSettings).toHaveBeenCalledWith(3, {
      ...defaultSettings(),
      backend: "local",
      model: "tiny-qwen2",
    });
  });

  it("hides the local backend while no local model is installed", async () => {
    api.listLocalModels.mockResolvedValue([]);
    await settle(() => render(<SettingsPanel settings={defaultSettings()} onClose={() => undefined} />));
    const backend = screen.getByTestId<HTMLSelectElement>("chat-backend");
    expect([...backend.options].map((o) => o.value)).toEqual(["", "openai"]);
  });
});

describe("the chat's context window with a local model", () => {
  const contextInput = () => screen.getByTestId<HTMLInputElement>("chat-context-tokens");

  it("lowers the window to what the chosen model reads, and never raises it", async () => {
    api.listLocalModels.mockResolvedValue([trainedFor("tiny", 256), trainedFor("long", 32_768)]);
    await settle(() => render(<SettingsPanel settings={defaultSettings()} onClose={() => undefined} />));
    expect(contextInput().value).toBe("8192");
    expect(contextInput().max).toBe("");
    expect(screen.queryByTestId("chat-context-limit")).toBeNull();

    // Switching to the local backend picks the first model: tiny.
    fireEvent.change(screen.getByTestId("chat-backend"), { target: { value: "local" } });
    expect(contextInput().value).toBe("256");
    expect(contextInput().max).toBe("256");
    expect(screen.getByTestId("chat-context-limit").textContent).toBe("This model reads at most 256 tokens.");

    fireEvent.change(screen.getByTestId("chat-model"), { target: { value: "long" } });
    expect(contextInput().value).toBe("256");
    expect(contextInput().max).toBe("32768");
    expect(screen.getByTestId("chat-context-limit").textContent).toBe("This model reads at most 32,768 tokens.");

    await settle(() => fireEvent.click(screen.getByTestId("chat-settings-save")));
    expect(api.updateChatSettings).toHaveBeenCalledWith(3, {
      ...defaultSettings(),
      backend: "local",
      model: "long",
      contextTokens: 256,
    });
  });

  it("keeps a smaller window, and clamps on a model change too", async () => {
    api.listLocalModels.mockResolvedValue([trainedFor("long", 32_768), trainedFor("tiny", 256)]);
    const settings = { ...defaultSettings(), contextTokens: 4096 };
    await settle(() => render(<SettingsPanel settings={settings} onClose={() => undefined} />));

    fireEvent.change(screen.getByTestId("chat-backend"), { target: { value: "local" } });
    expect(screen.getByTestId<HTMLSelectElement>("chat-model").value).toBe("long");
    expect(contextInput().value).toBe("4096");

    fireEvent.change(screen.getByTestId("chat-model"), { target: { value: "tiny" } });
    expect(contextInput().value).toBe("256");

    // Another backend has no such limit.
    fireEvent.change(screen.getByTestId("chat-backend"), { target: { value: "openai" } });
    expect(contextInput().max).toBe("");
    expect(screen.queryByTestId("chat-context-limit")).toBeNull();
  });

  it("lowers a window saved beyond the model's context once the models are known", async () => {
    api.listLocalModels.mockResolvedValue([trainedFor("tiny", 256)]);
    const settings = { ...defaultSettings(), backend: "local", model: "tiny" };
    await settle(() => render(<SettingsPanel settings={settings} onClose={() => undefined} />));
    expect(contextInput().value).toBe("256");
  });

  it("sets no limit when the model's file does not say its context", async () => {
    api.listLocalModels.mockResolvedValue([trainedFor("plain", null)]);
    await settle(() => render(<SettingsPanel settings={defaultSettings()} onClose={() => undefined} />));
    fireEvent.change(screen.getByTestId("chat-backend"), { target: { value: "local" } });
    expect(contextInput().value).toBe("8192");
    expect(contextInput().max).toBe("");
    expect(screen.queryByTestId("chat-context-limit")).toBeNull();
  });
});
