import { create } from "zustand";
import {
  deleteGenerations,
  exportHistory,
  getGeneration,
  historyFacets,
  historyPage,
  importHistory,
  rerunGeneration,
  setFavourite,
  setGenerationTags,
  toApiError,
} from "../ipc";
import type {
  ApiError,
  ExportFormat,
  GenerationRecord,
  HistoryFacets,
  HistoryItem,
  HistoryQuery,
  ImportSummary,
} from "../ipc";

/** Rows fetched at a time (the size BENCHMARKS.md measures); the list asks for more as it nears the end. */
export const PAGE_SIZE = 50;

export const EMPTY_QUERY: HistoryQuery = {
  text: "",
  kind: null,
  backend: null,
  model: null,
  status: null,
  since: null,
  until: null,
  favourite: false,
  tag: null,
  sort: "newest",
};

export type Notice =
  | { kind: "exported"; path: string }
  | { kind: "imported"; summary: ImportSummary }
  | { kind: "deleted" }
  | { kind: "copied" }
  | { kind: "failed"; error: ApiError };

/** A re-run streaming now: its id and the answer so far. */
type Live = { id: number; text: string };

type HistoryState = {
  query: HistoryQuery;
  items: HistoryItem[];
  next: string | null;
  loading: boolean;
  loadError: ApiError | null;
  facets: HistoryFacets | null;
  selected: number | null;
  detail: GenerationRecord | null;
  /** Picking the second generation of a comparison: the first one's id. */
  comparingFrom: number | null;
  comparison: { first: number; second: number } | null;
  live: Live | null;
  view: "list" | "stats";
  notice: Notice | null;
  setQuery: (patch: Partial<HistoryQuery>) => void;
  reload: () => Promise<void>;
  loadMore: () => Promise<void>;
  loadFacets: () => Promise<void>;
  select: (id: number) => Promise<void>;
  toggleFavourite: () => Promise<void>;
  saveTags: (tags: string[]) => Promise<void>;
  remove: () => Promise<void>;
  rerun: () => Promise<void>;
  startCompare: () => void;
  closeCompare: () => void;
  exportResults: (format: ExportFormat) => Promise<void>;
  exportSelected: (format: ExportFormat) => Promise<void>;
  importText: (text: string) => Promise<void>;
  setView: (view: "list" | "stats") => void;
  notify: (notice: Notice | null) => void;
};

// Each new query gets a number; pages of an older one are dropped.
let queryNumber = 0;
let newestSelect = 0;

export const useHistoryStore = create<HistoryState>()((set, get) => {
  const failed = (error: unknown) => {
    set({ notice: { kind: "failed", error: toApiError(error) } });
  };

  /** Puts a changed generation's new state into the list and the detail. */
  const patchItem = (id: number, patch: Partial<HistoryItem>) => {
    set((state) => ({
      items: state.items.map((item) => (item.id === id ? { ...item, ...patch } : item)),
      detail: state.detail?.id === id ? { ...state.detail, ...patch } : state.detail,
    }));
  };

  return {
    query: EMPTY_QUERY,
    items: [],
    next: null,
    loading: false,
    loadError: null,
    facets: null,
    selected: null,
    detail: null,
    comparingFrom: null,
    comparison: null,
    live: null,
    view: "list",
    notice: null,

    setQuery: (patch) => {
      set((state) => ({ query: { ...state.query, ...patch } }));
      void get().reload();
    },

    reload: async () => {
      const mine = ++queryNumber;
      set({ loading: true, loadError: null });
      try {
        const page = await historyPage(get().query, null, PAGE_SIZE);
        if (mine !== queryNumber) return;
        set({ items: page.items, next: page.next, loading: false });
      } catch (error) {
        if (mine === queryNumber) set({ items: [], next: null, loading: false, loadError: toApiError(error) });
      }
    },

    loadMore: async () => {
      const { next, loading, query } = get();
      if (!next || loading) return;
      const mine = queryNumber;
      set({ loading: true });
      try {
        const page = await historyPage(query, next, PAGE_SIZE);
        if (mine !== queryNumber) return;
        set((state) => ({ items: [...state.items, ...page.items], next: page.next, loading: false }));
      } catch (error) {
        // No further pages: the list would otherwise ask again at once.
        if (mine === queryNumber) set({ loading: false, next: null, loadError: toApiError(error) });
      }
    },

    loadFacets: async () => {
      try {
        set({ facets: await historyFacets() });
      } catch (error) {
        failed(error);
      }
    },

    select: async (id) => {
      const { comparingFrom } = get();
      if (comparingFrom !== null && comparingFrom !== id) {
        set({ comparison: { first: comparingFrom, second: id }, comparingFrom: null, selected: id });
        return;
      }
      const mine = ++newestSelect;
      set({ selected: id, comparison: null, comparingFrom: null });
      try {
        const detail = await getGeneration(id);
        if (mine === newestSelect) set({ detail });
      } catch (error) {
        if (mine === newestSelect) failed(error);
      }
    },

    toggleFavourite: async () => {
      const { detail } = get();
      if (!detail) return;
      try {
        await setFavourite(detail.id, !detail.favourite);
        patchItem(detail.id, { favourite: !detail.favourite });
      } catch (error) {
        failed(error);
      }
    },

    saveTags: async (tags) => {
      const { detail } = get();
      if (!detail) return;
      try {
        patchItem(detail.id, { tags: await setGenerationTags(detail.id, tags) });
        void get().loadFacets();
      } catch (error) {
        failed(error);
      }
    },

    remove: async () => {
      const { detail } = get();
      if (!detail) return;
      try {
        await deleteGenerations([detail.id]);
        set((state) => ({
          items: state.items.filter((item) => item.id !== detail.id),
          detail: null,
          selected: null,
          notice: { kind: "deleted" },
        }));
      } catch (error) {
        failed(error);
      }
    },

    rerun: async () => {
      const { detail } = get();
      if (!detail) return;
      try {
        const id = await rerunGeneration(detail.id, (event) => {
          if (event.type === "event" && event.data.type === "delta" && event.data.choice === 0) {
            const text = event.data.text;
            set((state) => (state.live ? { live: { ...state.live, text: state.live.text + text } } : {}));
          } else if (event.type === "finished") {
            set({ live: null });
            void get().reload();
            if (get().selected === event.data.id) void get().select(event.data.id);
          }
        });
        set({ live: { id, text: "" } });
        await get().reload();
        await get().select(id);
      } catch (error) {
        failed(error);
      }
    },

    startCompare: () => {
      set((state) => ({ comparingFrom: state.detail?.id ?? null }));
    },

    closeCompare: () => {
      const { selected } = get();
      set({ comparison: null, comparingFrom: null });
      if (selected !== null) void get().select(selected);
    },

    exportResults: async (format) => {
      try {
        const path = await exportHistory({ by: "query", query: get().query }, format);
        set({ notice: { kind: "exported", path } });
      } catch (error) {
        failed(error);
      }
    },

    exportSelected: async (format) => {
      const { detail } = get();
      if (!detail) return;
      try {
        const path = await exportHistory({ by: "ids", ids: [detail.id] }, format);
        set({ notice: { kind: "exported", path } });
      } catch (error) {
        failed(error);
      }
    },

    importText: async (text) => {
      try {
        const summary = await importHistory(text);
        set({ notice: { kind: "imported", summary } });
        await Promise.all([get().reload(), get().loadFacets()]);
      } catch (error) {
        failed(error);
      }
    },

    setView: (view) => {
      set({ view });
    },

    notify: (notice) => {
      set({ notice });
    },
  };
});
