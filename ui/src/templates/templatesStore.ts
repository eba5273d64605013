import { create } from "zustand";
import {
  deleteTemplate,
  duplicateTemplate,
  exportTemplates,
  getTemplate,
  importTemplates,
  listTemplates,
  resetTemplate,
  saveTemplate,
  templateStarter,
  toApiError,
} from "../ipc";
import type { ApiError, ImportFile, ImportOutcome, TemplateEntry, TemplateKey, TemplateSummary } from "../ipc";

type Load = { status: "loading" } | { status: "ready" } | { status: "failed"; error: ApiError };

/** What the editor has open: a stored template, or a new one not saved yet. */
export type Open = { kind: "none" } | { kind: "entry"; entry: TemplateEntry } | { kind: "new" };

/** Where the person asked to go while the draft has unsaved changes. */
type Leaving = { to: "new" } | { to: "entry"; key: TemplateKey };

/** The outcome of the last action, shown above the editor. */
export type Notice =
  | { kind: "saved" }
  | { kind: "exported"; paths: string[] }
  | { kind: "imported"; outcomes: ImportOutcome[] }
  | { kind: "importConflict"; message: string; files: ImportFile[] }
  | { kind: "failed"; error: ApiError };

type TemplatesState = {
  load: Load;
  templates: TemplateSummary[];
  open: Open;
  /** The text in the editor, and the text it was loaded or saved as. */
  draft: string;
  baseline: string;
  leaving: Leaving | null;
  notice: Notice | null;
  busy: boolean;
  refresh: () => Promise<void>;
  select: (key: TemplateKey) => Promise<void>;
  startNew: () => Promise<void>;
  edit: (draft: string) => void;
  /** Leaves anyway, dropping the unsaved changes. */
  discardAndLeave: () => Promise<void>;
  stay: () => void;
  /** Closes the editor, dropping a new template that was never saved. */
  close: () => void;
  save: () => Promise<void>;
  duplicate: () => Promise<void>;
  remove: () => Promise<void>;
  reset: () => Promise<void>;
  exportOpen: () => Promise<void>;
  importFiles: (files: ImportFile[], replace: boolean) => Promise<void>;
  dismissNotice: () => void;
};

export function keyOf(entry: { summary: { id: string; language: string } }): TemplateKey {
  return { id: entry.summary.id, language: entry.summary.language };
}

export function sameKey(a: TemplateKey, b: TemplateKey): boolean {
  return a.id === b.id && a.language === b.language;
}

export function isDirty(state: Pick<TemplatesState, "draft" | "baseline" | "open">): boolean {
  return state.open.kind !== "none" && state.draft !== state.baseline;
}

// Opening templates can overlap when the person clicks quickly; only the
// newest request may fill the editor.
let newestOpen = 0;

export const useTemplatesStore = create<TemplatesState>()((set, get) => {
  /** Shows an entry in the editor as saved. */
  const show = (entry: TemplateEntry) => {
    set({ open: { kind: "entry", entry }, draft: entry.source, baseline: entry.source, leaving: null });
  };

  /** Runs an action that changes the library, then reloads the list. */
  const act = async (action: () => Promise<void>) => {
    set({ busy: true, notice: null });
    try {
      await action();
      set({ templates: await listTemplates() });
    } catch (error) {
      set({ notice: { kind: "failed", error: toApiError(error) } });
    } finally {
      set({ busy: false });
    }
  };

  const openKey = async (key: TemplateKey) => {
    const request = ++newestOpen;
    try {
      const entry = await getTemplate(key);
      if (request === newestOpen) show(entry);
    } catch (error) {
      if (request === newestOpen) set({ notice: { kind: "failed", error: toApiError(error) } });
    }
  };

  const openNew = async () => {
    const request = ++newestOpen;
    const starter = await templateStarter();
    if (request === newestOpen) {
      set({ open: { kind: "new" }, draft: starter, baseline: starter, leaving: null, notice: null });
    }
  };

  const current = (): TemplateKey | null => {
    const { open } = get();
    return open.kind === "entry" ? keyOf(open.entry) : null;
  };

  return {
    load: { status: "loading" },
    templates: [],
    open: { kind: "none" },
    draft: "",
    baseline: "",
    leaving: null,
    notice: null,
    busy: false,

    refresh: async () => {
      try {
        set({ templates: await listTemplates(), load: { status: "ready" } });
      } catch (error) {
        set({ load: { status: "failed", error: toApiError(error) } });
      }
    },

    select: async (key) => {
      const here = current();
      if (here && sameKey(here, key)) return;
      if (isDirty(get())) {
        set({ leaving: { to: "entry", key } });
        return;
      }
      set({ notice: null });
      await openKey(key);
    },

    startNew: async () => {
      if (isDirty(get())) {
        set({ leaving: { to: "new" } });
        return;
      }
      await openNew();
    },

    edit: (draft) => {
      set({ draft });
    },

    discardAndLeave: async () => {
      const { leaving } = get();
      set({ leaving: null, draft: get().baseline, notice: null });
      if (leaving?.to === "new") await openNew();
      else if (leaving?.to === "entry") await openKey(leaving.key);
    },

    stay: () => {
      set({ leaving: null });
    },

    close: () => {
      set({ open: { kind: "none" }, draft: "", baseline: "", leaving: null });
    },

    save: () =>
      act(async () => {
        const { draft } = get();
        const entry = await saveTemplate(draft, current());
        show(entry);
        set({ notice: { kind: "saved" } });
      }),

    duplicate: () =>
      act(async () => {
        const key = current();
        if (!key) return;
        show(await duplicateTemplate(key));
      }),

    remove: () =>
      act(async () => {
        const key = current();
        if (!key) return;
        await deleteTemplate(key);
        set({ open: { kind: "none" }, draft: "", baseline: "" });
      }),

    reset: () =>
      act(async () => {
        const key = current();
        if (!key) return;
        show(await resetTemplate(key));
      }),

    exportOpen: () =>
      act(async () => {
        const key = current();
        if (!key) return;
        set({ notice: { kind: "exported", paths: await exportTemplates([key]) } });
      }),

    importFiles: (files, replace) =>
      act(async () => {
        try {
          const outcomes = await importTemplates(files, replace);
          set({ notice: { kind: "imported", outcomes } });
          const first = outcomes[0];
          if (first && !isDirty(get())) await openKey(first.template);
        } catch (error) {
          const problem = toApiError(error);
          // Only a clash with existing templates can be settled by replacing them.
          if (problem.code === "template_exists" && !replace) {
            set({ notice: { kind: "importConflict", message: problem.message, files } });
            return;
          }
          throw error;
        }
      }),

    dismissNotice: () => {
      set({ notice: null });
    },
  };
});
