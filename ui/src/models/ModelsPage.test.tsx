import { act, cleanup, fireEvent, render, screen, within } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import i18n from "../i18n";
import * as ipc from "../ipc";
import type { CatalogEntry, DownloadProgress, EngineStatus, LocalModel, ModelSummary, Settings } from "../ipc";
import { ModelsPage } from "./ModelsPage";
import { useSettingsStore } from "../settings/settingsStore";
import { useModelsStore } from "./modelsStore";
import { ENGINE_POLL_LOADING_MS, ENGINE_POLL_MS } from "./useEnginePolling";

// Only our IPC wrapper is faked.
vi.mock("../ipc", async (importOriginal) => ({
  ...(await importOriginal<typeof import("../ipc")>()),
  listLocalModels: vi.fn(),
  modelCatalog: vi.fn(),
  localEngineStatus: vi.fn(),
  importModel: vi.fn(),
  deleteModel: vi.fn(),
  downloadModel: vi.fn(),
  cancelDownload: vi.fn(),
  pickModelFile: vi.fn(),
  localThreads: vi.fn(),
  setLocalThreads: vi.fn(),
}));
const api = vi.mocked(ipc);

const RECOMMENDED: CatalogEntry = {
  key: "qwen2.5-1.5b",
  name: "Qwen2.5 1.5B Instruct",
  repo: "Qwen/Qwen2.5-1.5B-Instruct-GGUF",
  file: "qwen2.5-1.5b-instruct-q4_k_m.gguf",
  size: 1_120_000_000,
  description: "Small and quick.",
  recommended: true,
};
const SMALL: CatalogEntry = {
  key: "qwen3-0.6b",
  name: "Qwen3 0.6B",
  repo: "unsloth/Qwen3-0.6B-GGUF",
  file: "Qwen3-0.6B-Q4_K_M.gguf",
  size: 397_000_000,
  description: "The smallest.",
  recommended: false,
};
const CATALOG = [RECOMMENDED, SMALL];

function model(id: string, overrides: Partial<ModelSummary> = {}): LocalModel {
  return {
    id,
    path: `/home/me/.local/share/scriptorium/models/${id}.gguf`,
    linkedTo: null,
    summary: {
      architecture: "qwen2",
      name: "Qwen2.5 1.5B Instruct",
      parameters: 1_543_714_304,
      quantization: "Q4_K_M",
      contextLength: 32_768,
      fileSize: 1_117_320_736,
      hasChatTemplate: true,
      ...overrides,
    },
    problem: null,
  };
}

const SETTINGS: Settings = { language: "en", theme: "system", defaultBackend: null, localThreads: null };

const QWEN = model("qwen2.5-1.5b-instruct-q4_k_m");
const BROKEN: LocalModel = {
  id: "broken",
  path: "/models/broken.gguf",
  linkedTo: null,
  summary: null,
  problem: "/models/broken.gguf is not a GGUF model file.",
};

/** A download the test finishes by hand, with the progress callback it was given. */
function pendingDownload() {
  const call: {
    report: (progress: DownloadProgress) => void;
    finish: (model: LocalModel) => void;
    fail: (error: ipc.ApiError) => void;
  } = { report: () => undefined, finish: () => undefined, fail: () => undefined };
  api.downloadModel.mockImplementationOnce((_file, onProgress) => {
    call.report = onProgress;
    return new Promise((resolve, reject) => {
      call.finish = resolve;
      call.fail = reject;
    });
  });
  return call;
}

beforeEach(() => {
  vi.resetAllMocks();
  api.listLocalModels.mockResolvedValue([]);
  api.modelCatalog.mockResolvedValue(CATALOG);
  api.localEngineStatus.mockResolvedValue({ state: "idle" });
  api.cancelDownload.mockResolvedValue(true);
  api.localThreads.mockResolvedValue({ inForce: 8, automatic: 8, fromEnvironment: null, available: 12 });
  useSettingsStore.getState().replace(SETTINGS);
  api.setLocalThreads.mockImplementation((count) => Promise.resolve({ ...SETTINGS, localThreads: count }));
  // Each test starts from the store's own initial state.
  useModelsStore.setState(useModelsStore.getInitialState(), true);
});

async function settle(action: () => void = () => undefined) {
  await act(async () => {
    action();
    await new Promise((resolve) => setTimeout(resolve, 0));
  });
}

describe("installed models", () => {
  it("says what each model is, which lack a chat template and which cannot be used", async () => {
    api.listLocalModels.mockResolvedValue([
      BROKEN,
      model("plain", { name: null, hasChatTemplate: false, contextLength: null, parameters: 494_032_768 }),
      QWEN,
    ]);
    api.localEngineStatus.mockResolvedValue({ state: "ready", model: QWEN.id });
    await settle(() => render(<ModelsPage />));

    const qwen = screen.getByTestId(`model-row-${QWEN.id}`);
    expect(within(qwen).getByRole("heading").textContent).toBe("Qwen2.5 1.5B InstructIn memory");
    expect(within(qwen).getByTestId("model-architecture").textContent).toBe("qwen2");
    expect(within(qwen).getByTestId("model-parameters").textContent).toContain("1.5 B parameters");
    expect(within(qwen).getByTestId("model-quantization").textContent).toContain("Q4_K_M");
    expect(within(qwen).getByTestId("model-context").textContent).toContain("32,768 tokens of context");
    expect(within(qwen).getByTestId("model-size").textContent).toContain("1.1 GB");
    expect(within(qwen).queryByTestId("model-no-template")).toBeNull();

    const plain = screen.getByTestId("model-row-plain");
    expect(within(plain).getByRole("heading").textContent).toBe("plain");
    expect(within(plain).getByTestId("model-parameters").textContent).toContain("494 M parameters");
    expect(within(plain).queryByTestId("model-context")).toBeNull();
    expect(within(plain).getByTestId("model-no-template")).toBeTruthy();

    const broken = screen.getByTestId("model-row-broken");
    expect(within(broken).getByTestId("model-problem").textContent).toBe(
      "Cannot be used: /models/broken.gguf is not a GGUF model file.",
    );
    expect(within(broken).queryByTestId("model-parameters")).toBeNull();

    expect(screen.queryByTestId("models-first-run")).toBeNull();
    expect(screen.getByTestId(`catalog-installed-${RECOMMENDED.key}`).textContent).toBe("Installed");
    expect(screen.getByTestId(`download-start-${SMALL.key}`)).toBeTruthy();
    expect(screen.getByTestId(`catalog-size-${SMALL.key}`).textContent).toBe("≈ 397 MB");
  });

  it("deletes a model only once confirmed", async () => {
    api.listLocalModels.mockResolvedValue([QWEN]);
    api.deleteModel.mockResolvedValue();
    await settle(() => render(<ModelsPage />));

    fireEvent.click(screen.getByTestId(`model-delete-${QWEN.id}`));
    const question = screen.getByRole("group", { name: "Delete Qwen2.5 1.5B Instruct" });
    expect(question.textContent).toContain("This frees 1.1 GB.");
    fireEvent.click(screen.getByTestId(`model-delete-cancel-${QWEN.id}`));
    expect(screen.queryByRole("group")).toBeNull();
    expect(api.deleteModel).not.toHaveBeenCalled();

    fireEvent.click(screen.getByTestId(`model-delete-${QWEN.id}`));
    await settle(() => fireEvent.click(screen.getByTestId(`model-delete-confirm-${QWEN.id}`)));
    expect(api.deleteModel).toHaveBeenCalledWith(QWEN.id);
    expect(screen.queryByTestId(`model-row-${QWEN.id}`)).toBeNull();
    expect(screen.getByTestId("models-first-run")).toBeTruthy();
  });

  it("keeps a model whose delete failed, and says why", async () => {
    api.listLocalModels.mockResolvedValue([QWEN]);
    api.deleteModel.mockRejectedValue(new ipc.IpcError({ code: "io", message: "Cannot delete it.", details: null }));
    await settle(() => render(<ModelsPage />));
    fireEvent.click(screen.getByTestId(`model-delete-${QWEN.id}`));
    await settle(() => fireEvent.click(screen.getByTestId(`model-delete-confirm-${QWEN.id}`)));
    expect(screen.getByRole("alert").textContent).toBe("Cannot delete it.");
    expect(screen.getByTestId(`model-row-${QWEN.id}`)).toBeTruthy();
  });

  it("imports the GGUF file picked in the system dialog", async () => {
    api.pickModelFile.mockResolvedValue("/downloads/mine.gguf");
    api.importModel.mockResolvedValue(model("mine", { name: "Mine" }));
    await settle(() => render(<ModelsPage />));
    await settle(() => fireEvent.click(screen.getByTestId("model-import")));
    expect(api.pickModelFile).toHaveBeenCalledWith("Choose a GGUF model file");
    expect(api.importModel).toHaveBeenCalledWith("/downloads/mine.gguf", "copy");
    expect(screen.getByTestId("model-import-notice").textContent).toBe("Imported Mine.");
    expect(screen.getByTestId("model-row-mine")).toBeTruthy();
  });

  it("imports nothing when the dialog is dismissed, and shows why an import failed", async () => {
    api.pickModelFile.mockResolvedValueOnce(null);
    await settle(() => render(<ModelsPage />));
    await settle(() => fireEvent.click(screen.getByTestId("model-import")));
    expect(api.importModel).not.toHaveBeenCalled();
    expect(screen.queryByTestId("model-import-notice")).toBeNull();

    api.pickModelFile.mockResolvedValueOnce("/notes.gguf");
    api.importModel.mockRejectedValue(
      new ipc.IpcError({ code: "not_gguf", message: "/notes.gguf is not a GGUF model file.", details: null }),
    );
    await settle(() => fireEvent.click(screen.getByTestId("model-import")));
    expect(screen.getByTestId("model-import-notice").textContent).toBe(
      "Could not import the file: /notes.gguf is not a GGUF model file.",
    );
    expect(screen.getByTestId("models-first-run")).toBeTruthy();
  });

  it("shows why the list could not be read, and tries again", async () => {
    api.listLocalModels.mockRejectedValueOnce(
      new ipc.IpcError({ code: "io", message: "Cannot read the folder.", details: null }),
    );
    await settle(() => render(<ModelsPage />));
    expect(screen.getByRole("alert").textContent).toBe("Could not list the local models: Cannot read the folder.");
    await settle(() => fireEvent.click(screen.getByText("Try again")));
    expect(screen.getByTestId("models-first-run")).toBeTruthy();
  });
});

describe("downloads", () => {
  it("offers the recommended model on a first-run card, and nowhere else", async () => {
    await settle(() => render(<ModelsPage />));
    const card = screen.getByTestId("models-first-run");
    expect(within(card).getByTestId(`download-start-${RECOMMENDED.key}`).textContent).toBe("Download (≈ 1.1 GB)");
    expect(screen.queryByTestId(`catalog-${RECOMMENDED.key}`)).toBeNull();
    expect(screen.getByTestId(`catalog-${SMALL.key}`)).toBeTruthy();
  });

  it("shows progress, stops on cancel, and resumes from where it stopped", async () => {
    const first = pendingDownload();
    await settle(() => render(<ModelsPage />));
    await settle(() => fireEvent.click(screen.getByTestId(`download-start-${RECOMMENDED.key}`)));
    expect(api.downloadModel).toHaveBeenCalledWith(
      { repo: RECOMMENDED.repo, file: RECOMMENDED.file, revision: "main" },
      expect.any(Function),
    );
    expect(screen.getByTestId(`download-progress-${RECOMMENDED.key}`).textContent).toBe("Starting…");

    await settle(() => {
      first.report({ downloaded: 470_000_000, total: 1_117_320_736 });
    });
    expect(screen.getByTestId(`download-progress-${RECOMMENDED.key}`).textContent).toBe("42% · 470 MB of 1.1 GB");
    const bar = screen.getByRole("progressbar", { name: "Downloading Qwen2.5 1.5B Instruct" });
    expect(bar.getAttribute("value")).toBe("42");

    await settle(() => fireEvent.click(screen.getByTestId(`download-cancel-${RECOMMENDED.key}`)));
    expect(api.cancelDownload).toHaveBeenCalledWith({
      repo: RECOMMENDED.repo,
      file: RECOMMENDED.file,
      revision: "main",
    });
    await settle(() => {
      first.fail({ code: "cancelled", message: "The download was stopped.", details: null });
    });
    const stopped = screen.getByTestId(`download-${RECOMMENDED.key}`);
    expect(stopped.dataset.status).toBe("stopped");
    expect(stopped.textContent).toContain("Stopped at 470 MB. Downloading again resumes from there.");
    expect(screen.queryByRole("alert")).toBeNull();

    const second = pendingDownload();
    await settle(() => fireEvent.click(screen.getByTestId(`download-start-${RECOMMENDED.key}`)));
    expect(screen.getByTestId(`download-progress-${RECOMMENDED.key}`).textContent).toBe("42% · 470 MB of 1.1 GB");
    await settle(() => {
      second.report({ downloaded: 1_117_320_736, total: 1_117_320_736 });
      second.finish(QWEN);
    });
    expect(screen.getByTestId(`model-row-${QWEN.id}`)).toBeTruthy();
    expect(screen.queryByTestId("models-first-run")).toBeNull();
    expect(screen.getByTestId(`catalog-installed-${RECOMMENDED.key}`)).toBeTruthy();
  });

  it("says why a download failed and offers to try again", async () => {
    const call = pendingDownload();
    await settle(() => render(<ModelsPage />));
    const key = SMALL.key;
    await settle(() => fireEvent.click(screen.getByTestId(`download-start-${key}`)));
    await settle(() => {
      call.fail({ code: "connect", message: "Cannot reach https://huggingface.co: offline.", details: null });
    });
    expect(screen.getByRole("alert").textContent).toBe(
      "The download failed: Cannot reach https://huggingface.co: offline.",
    );
    expect(screen.getByTestId(`download-start-${key}`).textContent).toBe("Try again");
  });
});

describe("catalog descriptions", () => {
  afterEach(async () => {
    await act(async () => {
      await i18n.changeLanguage("en");
    });
  });

  it("are Chinese in the Chinese interface, and the core's text for a key it does not know", async () => {
    const newer: CatalogEntry = { ...SMALL, key: "tiny9.9-0.1b", file: "tiny.gguf", description: "A newer model." };
    api.modelCatalog.mockResolvedValue([...CATALOG, newer]);
    await act(async () => {
      await i18n.changeLanguage("zh-CN");
    });
    await settle(() => render(<ModelsPage />));

    expect(screen.getByTestId("first-run-description").textContent).toBe(
      "小巧快速，擅长中文、英文及另外 27 种语言的聊天与翻译。",
    );
    expect(screen.getByTestId(`catalog-description-${SMALL.key}`).textContent).toBe(
      "最小最快：适合较旧的电脑和快速起草。",
    );
    expect(screen.getByTestId(`catalog-description-${newer.key}`).textContent).toBe("A newer model.");
  });

  it("are English in the English interface", async () => {
    await settle(() => render(<ModelsPage />));
    expect(screen.getByTestId(`catalog-description-${SMALL.key}`).textContent).toBe(
      "The smallest and fastest: for older machines and quick drafts.",
    );
  });
});

describe("the engine's status", () => {
  const loading = (progress: number): EngineStatus => ({ state: "loading", model: QWEN.id, progress });
  const badge = () => screen.queryByTestId(`model-engine-${QWEN.id}`)?.textContent ?? null;
  const advance = (ms: number) =>
    act(async () => {
      await vi.advanceTimersByTimeAsync(ms);
    });
  /** A status read that answers only when told to. */
  function pendingStatus() {
    let answer: (status: EngineStatus) => void = () => undefined;
    api.localEngineStatus.mockImplementationOnce(
      () =>
        new Promise((resolve) => {
          answer = resolve;
        }),
    );
    return (status: EngineStatus) => {
      answer(status);
    };
  }

  beforeEach(() => {
    vi.useFakeTimers();
    api.listLocalModels.mockResolvedValue([QWEN]);
  });

  afterEach(() => {
    vi.useRealTimers();
  });

  it("follows a model from idle through loading to ready while the page is open", async () => {
    await act(async () => {
      render(<ModelsPage />);
      await vi.advanceTimersByTimeAsync(0);
    });
    expect(api.localEngineStatus).toHaveBeenCalledTimes(1);
    expect(badge()).toBeNull();

    // Idle: read again only after the slow interval.
    api.localEngineStatus.mockResolvedValue(loading(0.25));
    await advance(ENGINE_POLL_MS - 1);
    expect(api.localEngineStatus).toHaveBeenCalledTimes(1);
    await advance(1);
    expect(api.localEngineStatus).toHaveBeenCalledTimes(2);
    expect(badge()).toBe("Loading 25%");

    // Loading: read again after the fast interval, so the progress moves.
    api.localEngineStatus.mockResolvedValue(loading(0.6));
    await advance(ENGINE_POLL_LOADING_MS);
    expect(api.localEngineStatus).toHaveBeenCalledTimes(3);
    expect(badge()).toBe("Loading 60%");

    api.localEngineStatus.mockResolvedValue({ state: "ready", model: QWEN.id });
    await advance(ENGINE_POLL_LOADING_MS);
    expect(badge()).toBe("In memory");

    // Ready: back to the slow interval; a failed read keeps the status shown.
    api.localEngineStatus.mockRejectedValue(new ipc.IpcError({ code: "ipc", message: "No core.", details: null }));
    await advance(ENGINE_POLL_LOADING_MS);
    expect(api.localEngineStatus).toHaveBeenCalledTimes(4);
    await advance(ENGINE_POLL_MS - ENGINE_POLL_LOADING_MS);
    expect(api.localEngineStatus).toHaveBeenCalledTimes(5);
    expect(badge()).toBe("In memory");
    expect(screen.queryByRole("alert")).toBeNull();

    // And polling goes on after a failure.
    api.localEngineStatus.mockResolvedValue({ state: "idle" });
    await advance(ENGINE_POLL_MS);
    expect(api.localEngineStatus).toHaveBeenCalledTimes(6);
    expect(badge()).toBeNull();
  });

  it("never starts a read before the last one answered", async () => {
    await act(async () => {
      render(<ModelsPage />);
      await vi.advanceTimersByTimeAsync(0);
    });
    const answer = pendingStatus();
    await advance(ENGINE_POLL_MS);
    expect(api.localEngineStatus).toHaveBeenCalledTimes(2);
    await advance(10 * ENGINE_POLL_MS);
    expect(api.localEngineStatus).toHaveBeenCalledTimes(2);

    api.localEngineStatus.mockResolvedValue(loading(0.5));
    await act(async () => {
      answer(loading(0.1));
      await vi.advanceTimersByTimeAsync(0);
    });
    expect(badge()).toBe("Loading 10%");
    await advance(ENGINE_POLL_LOADING_MS);
    expect(api.localEngineStatus).toHaveBeenCalledTimes(3);
    expect(badge()).toBe("Loading 50%");
  });

  it("stops reading once the page is gone", async () => {
    const { unmount } = await act(async () => {
      const rendered = render(<ModelsPage />);
      await vi.advanceTimersByTimeAsync(0);
      return rendered;
    });
    await advance(ENGINE_POLL_MS);
    expect(api.localEngineStatus).toHaveBeenCalledTimes(2);
    unmount();
    await advance(10 * ENGINE_POLL_MS);
    expect(api.localEngineStatus).toHaveBeenCalledTimes(2);
  });

  it("schedules no read after a page gone while one was answering", async () => {
    const { unmount } = await act(async () => {
      const rendered = render(<ModelsPage />);
      await vi.advanceTimersByTimeAsync(0);
      return rendered;
    });
    const answer = pendingStatus();
    await advance(ENGINE_POLL_MS);
    expect(api.localEngineStatus).toHaveBeenCalledTimes(2);
    unmount();
    await act(async () => {
      answer(loading(0.5));
      await vi.advanceTimersByTimeAsync(10 * ENGINE_POLL_MS);
    });
    expect(api.localEngineStatus).toHaveBeenCalledTimes(2);
  });
});

describe("the models store", () => {
  it("starts one download per entry at a time and ignores progress after it stopped", async () => {
    const call = pendingDownload();
    const { download } = useModelsStore.getState();
    const running = download(SMALL);
    await download(SMALL);
    expect(api.downloadModel).toHaveBeenCalledTimes(1);

    call.fail({ code: "cancelled", message: "Stopped.", details: null });
    await running;
    call.report({ downloaded: 5, total: 10 });
    expect(useModelsStore.getState().downloads[SMALL.key]).toEqual({ status: "stopped", progress: null });
  });
});

describe("threads for local models", () => {
  const select = () => screen.getByLabelText<HTMLSelectElement>("Threads for local models");
  const choose = (value: string) => settle(() => fireEvent.change(select(), { target: { value } }));

  it("offers automatic and every count up to the logical processors, and saves the one chosen", async () => {
    await settle(() => render(<ModelsPage />));
    expect(select().dataset.testid).toBe("local-threads");
    expect([...select().options].map((o) => o.value)).toEqual([
      "automatic",
      ...Array.from({ length: 12 }, (_, i) => String(i + 1)),
    ]);
    expect(select().options[0]?.textContent).toBe("Automatic (8 physical cores)");
    expect(select().value).toBe("automatic");
    expect(screen.getByTestId("local-threads-hint").textContent).toBe("Local models run with 8 threads now.");
    expect(screen.queryByTestId("local-threads-restart")).toBeNull();

    await choose("3");
    expect(api.setLocalThreads).toHaveBeenCalledWith(3);
    expect(select().value).toBe("3");
    expect(screen.getByTestId("local-threads-notice").textContent).toBe("Saved.");
    expect(screen.getByTestId("local-threads-hint").textContent).toBe(
      "Local models run with 8 threads now. The change to 3 threads applies after Scriptorium restarts.",
    );

    await choose("automatic");
    expect(api.setLocalThreads).toHaveBeenLastCalledWith(null);
    expect(select().value).toBe("automatic");
    expect(screen.queryByTestId("local-threads-restart")).toBeNull();

    await choose("8");
    expect(api.setLocalThreads).toHaveBeenLastCalledWith(8);
    expect(screen.queryByTestId("local-threads-restart")).toBeNull();
  });

  it("says when the stored choice waits for a restart", async () => {
    // Stored 4, running with the 8 chosen before.
    useSettingsStore.getState().replace({ ...SETTINGS, localThreads: 4 });
    await settle(() => render(<ModelsPage />));
    expect(select().value).toBe("4");
    expect(screen.getByTestId("local-threads-restart").textContent).toBe(
      "The change to 4 threads applies after Scriptorium restarts.",
    );
    cleanup();

    // Automatic now, still running with the 4 stored before: automatic means the 6 physical cores.
    api.localThreads.mockResolvedValue({ inForce: 4, automatic: 6, fromEnvironment: null, available: 12 });
    useSettingsStore.getState().replace(SETTINGS);
    await settle(() => render(<ModelsPage />));
    expect(screen.getByTestId("local-threads-restart").textContent).toBe(
      "The change to 6 threads applies after Scriptorium restarts.",
    );
    cleanup();

    // A count equal to the one in force needs no restart.
    useSettingsStore.getState().replace({ ...SETTINGS, localThreads: 4 });
    await settle(() => render(<ModelsPage />));
    expect(screen.getByTestId("local-threads-hint").textContent).toBe("Local models run with 4 threads now.");
    expect(screen.queryByTestId("local-threads-restart")).toBeNull();
  });

  it("follows the environment's count where automatic defers to it", async () => {
    // Started with RAYON_NUM_THREADS=4 on a machine of 6 physical cores.
    api.localThreads.mockResolvedValue({ inForce: 4, automatic: 6, fromEnvironment: 4, available: 12 });
    await settle(() => render(<ModelsPage />));
    expect(select().options[0]?.textContent).toBe("Automatic (4, as the environment asks)");
    expect(screen.getByTestId("local-threads-hint").textContent).toBe("Local models run with 4 threads now.");
    expect(screen.queryByTestId("local-threads-restart")).toBeNull();

    await choose("6");
    expect(screen.getByTestId("local-threads-restart").textContent).toBe(
      "The change to 6 threads applies after Scriptorium restarts.",
    );
  });

  it("keeps showing a stored count beyond this machine's processors", async () => {
    useSettingsStore.getState().replace({ ...SETTINGS, localThreads: 32 });
    await settle(() => render(<ModelsPage />));
    expect(select().value).toBe("32");
    expect([...select().options].at(-1)?.value).toBe("32");
  });

  it("shows why a save failed and goes back to the stored choice", async () => {
    api.setLocalThreads.mockRejectedValue(
      new ipc.IpcError({ code: "io", message: "Cannot write the settings file.", details: null }),
    );
    await settle(() => render(<ModelsPage />));
    await choose("3");
    expect(screen.getByTestId("local-threads-notice").textContent).toBe(
      "Could not save the thread count: Cannot write the settings file.",
    );
    expect(select().value).toBe("automatic");
    expect(screen.queryByTestId("local-threads-restart")).toBeNull();
  });

  it("lets only the newest of overlapping saves decide what is shown", async () => {
    let finishFirst: (settings: Settings) => void = () => undefined;
    api.setLocalThreads.mockImplementationOnce(
      () =>
        new Promise((resolve) => {
          finishFirst = resolve;
        }),
    );
    await settle(() => render(<ModelsPage />));
    await choose("2");
    await choose("5");
    await settle(() => {
      finishFirst({ ...SETTINGS, localThreads: 2 });
    });
    expect(select().value).toBe("5");
  });

  it("says why the thread count could not be read, and leaves the rest of the page working", async () => {
    api.localThreads.mockRejectedValue(new ipc.IpcError({ code: "ipc", message: "No core.", details: null }));
    await settle(() => render(<ModelsPage />));
    const section = screen.getByTestId("models-threads");
    expect(within(section).getByRole("alert").textContent).toBe("Could not read the thread count: No core.");
    expect(screen.queryByTestId("local-threads")).toBeNull();
    expect(screen.getByTestId("models-first-run")).toBeTruthy();
  });
});
