import { create } from "zustand";
import {
  createConversation,
  deleteBranch,
  deleteConversation,
  exportConversation,
  getConversation,
  importConversation,
  listConversations,
  pinConversation,
  pinMessage,
  renameConversation,
  restoreConversation,
  sendTurn,
  sentRequest,
  stopTurn,
  switchBranch,
  toApiError,
  updateChatSettings,
} from "../ipc";
import type {
  ApiError,
  ChatSettings,
  ConversationSummary,
  ConversationView,
  ConversationFormat,
  ExportScope,
  GenerationRecord,
  RunEvent,
  Turn,
  Values,
} from "../ipc";
import { FrameBatcher } from "./frameBatcher";

/** The answer being written, as far as the screen has caught up. */
export type Streaming = { messageId: number | null; text: string; reasoning: string };

export type ChatNotice =
  | { kind: "deleted"; id: number; title: string }
  | { kind: "exported"; path: string }
  | { kind: "failed"; error: ApiError };

type ChatState = {
  list: ConversationSummary[];
  query: string;
  view: ConversationView | null;
  streaming: Streaming | null;
  notice: ChatNotice | null;
  request: GenerationRecord | null;
  /** The user message being edited in place. */
  editing: number | null;
  refresh: (query?: string) => Promise<void>;
  open: (id: number) => Promise<void>;
  newChat: (persona: string | null, language: string, values?: Values) => Promise<void>;
  send: (text: string) => Promise<void>;
  regenerate: (message: number) => Promise<void>;
  edit: (message: number, text: string) => Promise<void>;
  setEditing: (message: number | null) => void;
  stop: () => Promise<void>;
  switchTo: (message: number) => Promise<void>;
  deleteBranch: (message: number) => Promise<void>;
  pinMessage: (message: number, pinned: boolean) => Promise<void>;
  rename: (id: number, title: string) => Promise<void>;
  pin: (id: number, pinned: boolean) => Promise<void>;
  remove: (id: number) => Promise<void>;
  undoRemove: () => Promise<void>;
  saveSettings: (settings: ChatSettings) => Promise<void>;
  showRequest: (message: number | null) => Promise<void>;
  exportTo: (scope: ExportScope, format: ConversationFormat) => Promise<void>;
  importJson: (json: string) => Promise<void>;
  dismiss: () => void;
};

export const useChatStore = create<ChatState>()((set, get) => {
  // Esc pressed before the answer's id came back: stop it as soon as it does.
  const pending = { stop: false };
  const stopRequested = () => pending.stop;

  async function guarded(action: () => Promise<void>): Promise<void> {
    try {
      await action();
    } catch (error) {
      set({ notice: { kind: "failed", error: toApiError(error) } });
    }
  }

  async function reload(id: number): Promise<void> {
    const view = await getConversation(id);
    if (get().view?.conversation.id === id || get().view === null) set({ view });
  }

  async function runTurn(turn: Turn, conversationId: number): Promise<void> {
    if (get().streaming) return;
    // Filled in as the turn goes; the channel may finish before the call returns.
    const turnState: { started: number | null; finished: boolean } = { started: null, finished: false };
    const done = async () => {
      await reload(conversationId).catch(() => undefined);
      set({ streaming: null });
      await get().refresh();
    };
    const batcher = new FrameBatcher(({ text, reasoning }) => {
      if (get().streaming) set({ streaming: { messageId: turnState.started, text, reasoning } });
    });
    const onEvent = (event: RunEvent) => {
      if (event.type === "finished") {
        turnState.finished = true;
        if (turnState.started !== null) void done();
        return;
      }
      const inner = event.data;
      if (inner.type === "delta") batcher.add("text", inner.text);
      else if (inner.type === "reasoning") batcher.add("reasoning", inner.text);
    };
    pending.stop = false;
    set({ streaming: { messageId: null, text: "", reasoning: "" }, editing: null });
    try {
      const turnStarted = await sendTurn(conversationId, turn, onEvent);
      turnState.started = turnStarted.assistant.id;
      set({ streaming: { messageId: turnState.started, ...batcher.current() } });
      if (stopRequested() && !turnState.finished) await stopTurn(turnState.started);
      await reload(conversationId);
      // The first message names the conversation.
      void get().refresh();
      if (turnState.finished) await done();
    } catch (error) {
      set({ streaming: null, notice: { kind: "failed", error: toApiError(error) } });
      await reload(conversationId).catch(() => undefined);
    }
  }

  return {
    list: [],
    query: "",
    view: null,
    streaming: null,
    notice: null,
    request: null,
    editing: null,
    refresh: (query) => {
      // The search box shows what was typed at once; a late answer for an
      // older query is dropped.
      if (query !== undefined) set({ query });
      const q = get().query;
      return guarded(async () => {
        const list = await listConversations(q);
        if (get().query === q) set({ list });
      });
    },
    open: (id) =>
      guarded(async () => {
        if (get().streaming) return;
        set({ view: await getConversation(id), editing: null, request: null });
      }),
    newChat: (persona, language, values = {}) =>
      guarded(async () => {
        if (get().streaming) return;
        const conversation = await createConversation({
          title: "",
          persona,
          language,
          values,
          settings: get().view?.conversation.settings ?? defaultSettings(),
        });
        set({ view: await getConversation(conversation.id), editing: null });
        await get().refresh();
      }),
    send: async (text) => {
      let view = get().view;
      if (!view) {
        await get().newChat(null, "en");
        view = get().view;
      }
      if (!view) return;
      const parent = view.branch.at(-1) ?? null;
      await runTurn({ kind: "send", parent, text }, view.conversation.id);
    },
    regenerate: async (message) => {
      const view = get().view;
      if (view) await runTurn({ kind: "regenerate", message }, view.conversation.id);
    },
    edit: async (message, text) => {
      const view = get().view;
      if (view) await runTurn({ kind: "edit", message, text }, view.conversation.id);
    },
    setEditing: (editing) => {
      set({ editing });
    },
    stop: () =>
      guarded(async () => {
        const streaming = get().streaming;
        if (!streaming) return;
        if (streaming.messageId === null) pending.stop = true;
        else await stopTurn(streaming.messageId);
      }),
    switchTo: (message) =>
      guarded(async () => {
        if (get().streaming) return;
        set({ view: await switchBranch(message) });
      }),
    deleteBranch: (message) =>
      guarded(async () => {
        if (get().streaming) return;
        set({ view: await deleteBranch(message) });
        await get().refresh();
      }),
    pinMessage: (message, pinned) =>
      guarded(async () => {
        const view = get().view;
        await pinMessage(message, pinned);
        if (view) await reload(view.conversation.id);
      }),
    rename: (id, title) =>
      guarded(async () => {
        await renameConversation(id, title);
        if (get().view?.conversation.id === id) await reload(id);
        await get().refresh();
      }),
    pin: (id, pinned) =>
      guarded(async () => {
        await pinConversation(id, pinned);
        await get().refresh();
      }),
    remove: (id) =>
      guarded(async () => {
        const title = get().list.find((c) => c.id === id)?.title ?? "";
        await deleteConversation(id);
        if (get().view?.conversation.id === id) set({ view: null });
        set({ notice: { kind: "deleted", id, title } });
        await get().refresh();
      }),
    undoRemove: () =>
      guarded(async () => {
        const notice = get().notice;
        if (notice?.kind !== "deleted") return;
        await restoreConversation(notice.id);
        set({ notice: null, view: await getConversation(notice.id) });
        await get().refresh();
      }),
    saveSettings: (settings) =>
      guarded(async () => {
        const view = get().view;
        if (!view) return;
        await updateChatSettings(view.conversation.id, settings);
        await reload(view.conversation.id);
      }),
    showRequest: (message) =>
      guarded(async () => {
        set({ request: message === null ? null : await sentRequest(message) });
      }),
    exportTo: (scope, format) =>
      guarded(async () => {
        const view = get().view;
        if (!view) return;
        const path = await exportConversation(view.conversation.id, scope, format);
        set({ notice: { kind: "exported", path } });
      }),
    importJson: (json) =>
      guarded(async () => {
        const conversation = await importConversation(json);
        set({ view: await getConversation(conversation.id) });
        await get().refresh();
      }),
    dismiss: () => {
      set({ notice: null });
    },
  };
});

export function defaultSettings(): ChatSettings {
  return {
    backend: null,
    model: "",
    systemPrompt: "",
    contextTokens: 8192,
    params: {
      temperature: null,
      topP: null,
      topK: null,
      minP: null,
      maxTokens: null,
      stop: [],
      n: 1,
      seed: null,
      presencePenalty: null,
      frequencyPenalty: null,
      repetitionPenalty: null,
      extra: {},
    },
  };
}
