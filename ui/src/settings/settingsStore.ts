import { create } from "zustand";
import { setLocalThreads, toApiError, updateSettings } from "../ipc";
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
  /** The thread count of local models, shown at once, then persisted; reverts if the backend refuses. */
  chooseLocalThreads: (count: number | null) => Promise<SaveOutcome>;
};

/** How a save ended; null when a newer save of the same kind overtook it. */
export type SaveOutcome = { saved: true } | { saved: false; error: ApiError } | null;

/**
 * Saves can overlap when the user clicks quickly; only the newest of a kind
 * may decide what is shown, or a slow older reply would undo a newer choice.
 * Each call starts a save and returns whether it is still the newest.
 */
function newestWins(): () => () => boolean {
  let newest = 0;
  return () => {
    const save = ++newest;
    return () => save === newest;
  };
}

const settingsSave = newestWins();
const threadsSave = newestWins();

export const useSettingsStore = create<SettingsState>()((set, get) => ({
  settings: SYSTEM_DEFAULTS,
  saveError: null,
  replace: (settings) => {
    set({ settings });
  },
  change: async (update) => {
    const isNewest = settingsSave();
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
      if (isNewest()) set({ settings: saved });
    } catch (error) {
      if (isNewest()) {
        // Only what this save changed goes back: the default backend may have moved since.
        const { language, theme } = before;
        set({ settings: { ...get().settings, language, theme }, saveError: toApiError(error) });
      }
    }
  },
  chooseLocalThreads: async (localThreads) => {
    const isNewest = threadsSave();
    const before = get().settings.localThreads;
    set({ settings: { ...get().settings, localThreads } });
    try {
      const saved = await setLocalThreads(localThreads);
      if (!isNewest()) return null;
      set({ settings: saved });
      return { saved: true };
    } catch (error) {
      if (!isNewest()) return null;
      set({ settings: { ...get().settings, localThreads: before } });
      return { saved: false, error: toApiError(error) };
    }
  },
}));
