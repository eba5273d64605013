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
