import { act, fireEvent, render, screen } from "@testing-library/react";
import { createRef } from "react";
import { beforeEach, describe, expect, it, vi } from "vitest";
import * as ipc from "../ipc";
import type { Conversation, ConversationView, TemplateEntry, TemplateSummary, Variable } from "../ipc";
import { ConversationList } from "./ConversationList";

// Only our IPC wrapper is faked.
vi.mock("../ipc", async (importOriginal) => ({
  ...(await importOriginal<typeof import("../ipc")>()),
  listTemplates: vi.fn(),
  getTemplate: vi.fn(),
  createConversation: vi.fn(),
  getConversation: vi.fn(),
  listConversations: vi.fn(),
}));
const api = vi.mocked(ipc);

const variable = (name: string, required: boolean): Variable => ({
  name,
  label: name,
  type: "text",
  default: null,
  required,
  help: "",
  options: [],
  sample: "Sample",
});

const summary = { id: "chat.assistant", language: "en", name: "General assistant", kind: "chat" } as TemplateSummary;

beforeEach(() => {
  vi.resetAllMocks();
  api.listTemplates.mockResolvedValue([summary]);
  api.getTemplate.mockResolvedValue({
    summary,
    template: { variables: [variable("user_name", false), variable("reply_language", false)] },
  } as unknown as TemplateEntry);
  api.createConversation.mockResolvedValue({ id: 7 } as Conversation);
  api.getConversation.mockResolvedValue({ conversation: { id: 7 } } as unknown as ConversationView);
  api.listConversations.mockResolvedValue([]);
});

async function settle() {
  await act(async () => {
    await new Promise((resolve) => setTimeout(resolve, 0));
  });
}

describe("new chat from a persona", () => {
  it("asks for the persona's variables and starts the chat with them", async () => {
    render(<ConversationList searchRef={createRef()} />);
    await settle();
    expect(screen.queryByTestId("persona-var-user_name")).toBeNull();

    fireEvent.change(screen.getByTestId("chat-persona"), { target: { value: "chat.assistant" } });
    await settle();
    expect(api.getTemplate).toHaveBeenCalledWith({ id: "chat.assistant", language: "en" });
    fireEvent.change(screen.getByTestId("persona-var-user_name"), { target: { value: "Ada" } });
    fireEvent.click(screen.getByTestId("chat-new"));
    await settle();

    expect(api.createConversation).toHaveBeenCalledTimes(1);
    expect(api.createConversation).toHaveBeenCalledWith(
      expect.objectContaining({ persona: "chat.assistant", values: { user_name: "Ada" } }),
    );
  });

  it("without a persona there is nothing to fill in", async () => {
    render(<ConversationList searchRef={createRef()} />);
    await settle();
    fireEvent.click(screen.getByTestId("chat-new"));
    await settle();
    expect(api.getTemplate).not.toHaveBeenCalled();
    expect(api.createConversation).toHaveBeenCalledWith(expect.objectContaining({ persona: null, values: {} }));
  });
});
