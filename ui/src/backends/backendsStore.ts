import { create } from "zustand";
import {
  addBackend,
  deleteBackend,
  getSettings,
  listBackends,
  listPresets,
  probeLocalServers,
  setBackendKey,
  setDefaultBackend,
  testBackend,
  toApiError,
  updateBackend,
} from "../ipc";
import type {
  ApiError,
  BackendDraft,
  BackendView,
  ConnectionReport,
  FoundServer,
  Preset,
  Settings,
} from "../ipc";
import { useSettingsStore } from "../settings/settingsStore";
import { without } from "../ui/records";

export type TestState =
  | { status: "running"; run: number }
  | { status: "ok"; report: ConnectionReport }
  | { status: "failed"; error: ApiError };

/** What an edit does to the stored key: an empty key field keeps it. */
export type KeyChange = { kind: "keep" } | { kind: "set"; key: string } | { kind: "remove" };

type Load = { status: "loading" } | { status: "ready" } | { status: "failed"; error: ApiError };

type Probe = { status: "idle" } | { status: "running" } | { status: "done"; found: FoundServer[] };

type BackendsState = {
  load: Load;
  backends: BackendView[];
  presets: Preset[];
  /** The last connection test of each backend, by name. */
  tests: Partial<Record<string, TestState>>;
  /** Servers found running on this machine, with the models they list. */
  probe: Probe;
  refresh: () => Promise<void>;
  findLocalServers: () => Promise<void>;
  /** These throw the core's error for the caller to show where it happened. */
  add: (draft: BackendDraft, key: string | null) => Promise<BackendView>;
  update: (name: string, draft: BackendDraft, key: KeyChange) => Promise<BackendView>;
  remove: (name: string) => Promise<void>;
  makeDefault: (name: string) => Promise<void>;
  test: (name: string) => Promise<void>;
};

/** The core's order: by name, ignoring case. */
function sorted(backends: BackendView[]): BackendView[] {
  return [...backends].sort((a, b) => {
    const [x, y] = [a.backend.name.toLowerCase(), b.backend.name.toLowerCase()];
    return x < y ? -1 : x > y ? 1 : 0;
  });
}

function applySettings(settings: Settings) {
  useSettingsStore.getState().replace(settings);
}

let runs = 0;

export const useBackendsStore = create<BackendsState>()((set, get) => ({
  load: { status: "loading" },
  backends: [],
  presets: [],
  tests: {},
  probe: { status: "idle" },

  refresh: async () => {
    try {
      const [backends, presets] = await Promise.all([listBackends(), listPresets()]);
      set({ load: { status: "ready" }, backends, presets });
    } catch (error) {
      set({ load: { status: "failed", error: toApiError(error) } });
    }
  },

  findLocalServers: async () => {
    if (get().probe.status === "running") return;
    set({ probe: { status: "running" } });
    let found: FoundServer[] = [];
    try {
      found = await probeLocalServers();
    } catch {
      // The probe itself cannot fail, only the IPC; then nothing was found.
    }
    set({ probe: { status: "done", found } });
  },

  add: async (draft, key) => {
    const view = await addBackend(draft, key);
    set({ backends: sorted([...get().backends, view]) });
    return view;
  },

  update: async (name, draft, key) => {
    // The key goes first, under the old name: if it fails, nothing else has
    // changed, and a rename afterwards carries it along.
    if (key.kind !== "keep") await setBackendKey(name, key.kind === "set" ? key.key : "");
    const view = await updateBackend(name, draft);
    const others = get().backends.filter((b) => b.backend.name !== name);
    // An old test result described the old settings.
    set({ backends: sorted([...others, view]), tests: without(get().tests, name) });
    // The core moves the default along with a rename.
    if (view.backend.name !== name) applySettings(await getSettings());
    return view;
  },

  remove: async (name) => {
    applySettings(await deleteBackend(name));
    set({
      backends: get().backends.filter((b) => b.backend.name !== name),
      tests: without(get().tests, name),
    });
  },

  makeDefault: async (name) => {
    applySettings(await setDefaultBackend(name));
  },

  test: async (name) => {
    const run = ++runs;
    set({ tests: { ...get().tests, [name]: { status: "running", run } } });
    let result: TestState;
    try {
      result = { status: "ok", report: await testBackend(name) };
    } catch (error) {
      result = { status: "failed", error: toApiError(error) };
    }
    // Only the newest test of this backend may report, and not once the
    // backend was changed or removed meanwhile.
    const now = get().tests[name];
    if (now?.status === "running" && now.run === run) set({ tests: { ...get().tests, [name]: result } });
  },
}));
