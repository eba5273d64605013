import { getSettings, startupStatus, toApiError } from "./ipc";
import type { ApiError } from "./ipc";
import { useSettingsStore } from "./settings/settingsStore";

export type Boot = { phase: "starting" } | { phase: "ready" } | { phase: "failed"; error: ApiError };

/** Asks the core whether its store opened, then loads the saved settings. */
export async function boot(): Promise<Boot> {
  try {
    const status = await startupStatus();
    if (status.status === "failed") return { phase: "failed", error: status.error };
    useSettingsStore.getState().replace(await getSettings());
    return { phase: "ready" };
  } catch (error) {
    // Covers a settings read that fails after the store opened, and running
    // outside Tauri (plain `vite dev` in a browser), where IPC does not exist.
    return { phase: "failed", error: toApiError(error) };
  }
}
