import { create } from "zustand";
import {
  cancelDownload,
  deleteModel,
  downloadModel,
  importModel,
  listLocalModels,
  localEngineStatus,
  modelCatalog,
  toApiError,
} from "../ipc";
import type { ApiError, CatalogEntry, DownloadProgress, EngineStatus, LocalModel } from "../ipc";
import { hubFile } from "./format";
import { without } from "../ui/records";

/** A catalog download started in this session. A stopped or failed one
 * keeps its bytes in the models folder: downloading again resumes. */
export type DownloadState =
  | { status: "running"; progress: DownloadProgress | null }
  | { status: "stopped"; progress: DownloadProgress | null }
  | { status: "failed"; progress: DownloadProgress | null; error: ApiError };

type Load = { status: "loading" } | { status: "ready" } | { status: "failed"; error: ApiError };

type ModelsState = {
  load: Load;
  models: LocalModel[];
  catalog: CatalogEntry[];
  engine: EngineStatus;
  /** By catalog key. */
  downloads: Partial<Record<string, DownloadState>>;
  refresh: () => Promise<void>;
  /** Reads the engine's status again; a failed read keeps the last one. Never throws. */
  pollEngine: () => Promise<void>;
  /** These two throw the core's error for the caller to show where it happened. */
  importFile: (path: string) => Promise<LocalModel>;
  remove: (id: string) => Promise<void>;
  /** Ends in the entry's state: gone once installed, else stopped or failed. */
  download: (entry: CatalogEntry) => Promise<void>;
  cancel: (entry: CatalogEntry) => Promise<void>;
};

/** The core's order: by id. */
function withModel(models: LocalModel[], model: LocalModel): LocalModel[] {
  return [...models.filter((m) => m.id !== model.id), model].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

export const useModelsStore = create<ModelsState>()((set, get) => {
  const setDownload = (key: string, state: DownloadState) => {
    set({ downloads: { ...get().downloads, [key]: state } });
  };

  return {
    load: { status: "loading" },
    models: [],
    catalog: [],
    engine: { state: "idle" },
    downloads: {},

    refresh: async () => {
      try {
        const [models, catalog, engine] = await Promise.all([listLocalModels(), modelCatalog(), localEngineStatus()]);
        set({ load: { status: "ready" }, models, catalog, engine });
      } catch (error) {
        set({ load: { status: "failed", error: toApiError(error) } });
      }
    },

    pollEngine: async () => {
      try {
        set({ engine: await localEngineStatus() });
      } catch {
        // A missed reading changes nothing: the next poll tries again.
      }
    },

    importFile: async (path) => {
      const model = await importModel(path, "copy");
      set({ models: withModel(get().models, model) });
      return model;
    },

    remove: async (id) => {
      await deleteModel(id);
      set({ models: get().models.filter((m) => m.id !== id) });
    },

    download: async (entry) => {
      const { key } = entry;
      const before = get().downloads[key];
      if (before?.status === "running") return;
      // A resumed download starts where the last one stopped.
      setDownload(key, { status: "running", progress: before?.progress ?? null });
      try {
        const model = await downloadModel(hubFile(entry), (progress) => {
          if (get().downloads[key]?.status === "running") setDownload(key, { status: "running", progress });
        });
        set({ models: withModel(get().models, model), downloads: without(get().downloads, key) });
      } catch (failure) {
        const error = toApiError(failure);
        const progress = get().downloads[key]?.progress ?? null;
        setDownload(
          key,
          error.code === "cancelled" ? { status: "stopped", progress } : { status: "failed", progress, error },
        );
      }
    },

    cancel: async (entry) => {
      // The download's own call then ends with "cancelled".
      await cancelDownload(hubFile(entry));
    },
  };
});
