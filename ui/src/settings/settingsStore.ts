import { create } from "zustand";
import { toApiError, updateSettings } from "../ipc";
import type { ApiError, Settings, SettingsUpdate } from "../ipc";

export const SYSTEM_DEFAULTS: Settings = {
  language: "system",
  theme: "system",
  defaultBackend: null,
  localThreads: null,
};

type SettingsState = {
  settings: Settings;
  saveError: ApiError | null;
  /** Takes the settings as the backend stored them. */
  replace: (settings: Settings) => void;
  /** Applies at once, then persists; reverts if the backend refuses. */
  change: (update: SettingsUpdate) => Promise<void>;
};

// Saves can overlap when the user clicks quickly; only the newest one may
// decide what is shown, or a slow older reply would undo a newer choice.
let newestSave = 0;

export const useSettingsStore = create<SettingsState>()((set, get) => ({
  settings: SYSTEM_DEFAULTS,
  saveError: null,
  replace: (settings) => {
    set({ settings });
  },
  change: async (update) => {
    const save = ++newestSave;
    const before = get().settings;
    set({
      settings: {
        ...before,
        language: update.language ?? before.language,
        theme: update.theme ?? before.theme,
      },
      saveError: null,
    });
    try {
      const saved = await updateSettings(update);
      if (save === newestSave) set({ settings: saved });
    } catch (error) {
      if (save === newestSave) {
        // Only what this save changed goes back: the default backend may have moved since.
        const { language, theme } = before;
        set({ settings: { ...get().settings, language, theme }, saveError: toApiError(error) });
      }
    }
  },
}));
