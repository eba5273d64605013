import { act, fireEvent, render, screen, within } from "@testing-library/react";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { App } from "./App";
import * as ipc from "./ipc";
import type { DoctorReport, Settings, SettingsUpdate } from "./ipc";
import { SYSTEM_DEFAULTS, useSettingsStore } from "./settings/settingsStore";
import { useNavStore } from "./shell/navStore";
import { setSystemPrefersDark } from "./test/matchMedia";

// The real IPC is exercised by the end-to-end test; here only our wrapper is faked.
vi.mock("./ipc", async (importOriginal) => ({
  ...(await importOriginal<typeof import("./ipc")>()),
  startupStatus: vi.fn(),
  getSettings: vi.fn(),
  updateSettings: vi.fn(),
  doctor: vi.fn(),
  listBackends: vi.fn(),
  listPresets: vi.fn(),
  probeLocalServers: vi.fn(),
}));
const api = vi.mocked(ipc);

const REPORT: DoctorReport = {
  version: "0.1.0",
  dataDir: "/home/ada/.local/share/scriptorium",
  dbPath: "/home/ada/.local/share/scriptorium/studio.db",
  logDir: "/home/ada/.local/share/scriptorium/logs",
  schemaVersion: 3,
  backends: 2,
  models: 5,
  generations: 1234,
};

let stored: Settings;

beforeEach(() => {
  stored = { language: "en", theme: "light", defaultBackend: null, localThreads: null };
  api.startupStatus.mockResolvedValue({ status: "ready", info: REPORT });
  api.getSettings.mockImplementation(() => Promise.resolve(stored));
  api.updateSettings.mockImplementation((update: SettingsUpdate) => {
    stored = { ...stored, language: update.language ?? stored.language, theme: update.theme ?? stored.theme };
    return Promise.resolve(stored);
  });
  api.doctor.mockResolvedValue(REPORT);
  api.listBackends.mockResolvedValue([]);
  api.listPresets.mockResolvedValue([]);
  api.probeLocalServers.mockResolvedValue([]);
  useNavStore.setState({ page: "chat" });
  useSettingsStore.setState({ settings: SYSTEM_DEFAULTS, saveError: null });
});

/**
 * Runs an action inside act() and lets the mocked IPC promises settle, so
 * every resulting render and effect has happened before the test looks.
 */
async function settle(action: () => void) {
  await act(async () => {
    action();
    await new Promise((resolve) => setTimeout(resolve, 0));
  });
}

async function renderApp() {
  await settle(() => render(<App />));
}

async function openSettings() {
  await renderApp();
  await settle(() => fireEvent.click(screen.getByTestId("nav-settings")));
  return screen.getByTestId("page-settings");
}

const pressed = (testId: string) => screen.getByTestId(testId).getAttribute("aria-pressed");

describe("navigation", () => {
  it("shows each page with its heading and marks the active nav item", async () => {
    await renderApp();
    const headings = {
      chat: "Chat",
      story: "Story",
      translate: "Translate",
      history: "History",
      templates: "Templates",
      models: "Models",
      settings: "Settings",
    };
    for (const [id, heading] of Object.entries(headings)) {
      await settle(() => fireEvent.click(screen.getByTestId(`nav-${id}`)));
      const page = screen.getByTestId(`page-${id}`);
      expect(within(page).getByRole("heading", { level: 1 }).textContent).toBe(heading);
      expect(screen.getByTestId(`nav-${id}`).getAttribute("aria-current")).toBe("page");
      expect(screen.getAllByRole("button", { current: "page" })).toHaveLength(1);
    }
  });

  it("describes what each empty page will hold", async () => {
    await renderApp();
    expect(screen.getByText("No conversations yet")).toBeTruthy();
    await settle(() => fireEvent.click(screen.getByTestId("nav-translate")));
    expect(screen.getByText(/txt, md, srt, vtt, html, docx and epub/)).toBeTruthy();
  });

  it("marks the document ready only once settings are loaded and a page is shown", async () => {
    let release!: (settings: Settings) => void;
    api.getSettings.mockReturnValue(
      new Promise((resolve) => {
        release = resolve;
      }),
    );
    await renderApp();
    expect(screen.queryByTestId("page-chat")).toBeNull();
    expect(document.documentElement.dataset.ready).toBeUndefined();
    await settle(() => {
      release(stored);
    });
    expect(screen.getByTestId("page-chat")).toBeTruthy();
    expect(document.documentElement.dataset.ready).toBe("true");
  });
});

describe("language", () => {
  it("switches the interface to Chinese and saves only the language", async () => {
    const settings = await openSettings();
    expect(screen.getByTestId("nav-chat").textContent).toBe("Chat");

    await settle(() => fireEvent.click(screen.getByTestId("language-zh-CN")));

    expect(api.updateSettings).toHaveBeenCalledWith({ language: "zh-CN", theme: null });
    expect(screen.getByTestId("nav-chat").textContent).toBe("聊天");
    expect(screen.getByTestId("nav-settings").textContent).toBe("设置");
    expect(within(settings).getByRole("heading", { level: 1 }).textContent).toBe("设置");
    expect(pressed("language-zh-CN")).toBe("true");
    expect(pressed("language-en")).toBe("false");
    expect(document.documentElement.lang).toBe("zh-CN");
  });

  it("follows a Chinese system when the saved choice is System", async () => {
    stored = { language: "system", theme: "system", defaultBackend: null, localThreads: null };
    vi.spyOn(navigator, "language", "get").mockReturnValue("zh-CN");
    await renderApp();
    expect(screen.getByTestId("nav-story").textContent).toBe("故事");
  });

  it("reverts and explains when the backend refuses to save", async () => {
    api.updateSettings.mockRejectedValue(
      new ipc.IpcError({ code: "store_write", message: "The disk is full.", details: null }),
    );
    await openSettings();

    await settle(() => fireEvent.click(screen.getByTestId("language-zh-CN")));

    expect(screen.getByRole("alert").textContent).toContain("The disk is full.");
    expect(pressed("language-en")).toBe("true");
    expect(screen.getByTestId("nav-chat").textContent).toBe("Chat");
  });
});

describe("theme", () => {
  it("applies an explicit choice at once and saves only the theme", async () => {
    await openSettings();
    expect(document.documentElement.dataset.theme).toBe("light");

    await settle(() => fireEvent.click(screen.getByTestId("theme-dark")));

    expect(api.updateSettings).toHaveBeenCalledWith({ language: null, theme: "dark" });
    expect(document.documentElement.dataset.theme).toBe("dark");
    expect(pressed("theme-dark")).toBe("true");
  });

  it("shows the choice before the backend has answered", async () => {
    await openSettings();
    api.updateSettings.mockReturnValue(new Promise(() => {}));

    await settle(() => fireEvent.click(screen.getByTestId("theme-dark")));

    expect(document.documentElement.dataset.theme).toBe("dark");
    expect(pressed("theme-dark")).toBe("true");
  });

  it("follows the system live when set to System, and ignores it otherwise", async () => {
    stored = { language: "en", theme: "system", defaultBackend: null, localThreads: null };
    await openSettings();
    expect(document.documentElement.dataset.theme).toBe("light");

    act(() => {
      setSystemPrefersDark(true);
    });
    expect(document.documentElement.dataset.theme).toBe("dark");

    await settle(() => fireEvent.click(screen.getByTestId("theme-light")));
    expect(document.documentElement.dataset.theme).toBe("light");
  });
});

describe("about", () => {
  it("shows where the data lives and how much there is", async () => {
    await openSettings();
    const about = screen.getByTestId("about");
    expect(within(about).getByText(REPORT.dataDir)).toBeTruthy();
    expect(within(about).getByText(REPORT.dbPath)).toBeTruthy();
    expect(within(about).getByText("1,234")).toBeTruthy();
  });
});

describe("startup error", () => {
  it("replaces the app with the backend's explanation when the store failed", async () => {
    api.startupStatus.mockResolvedValue({
      status: "failed",
      error: {
        code: "store_too_new",
        message: "The database was written by a newer version of Scriptorium.",
        details: "schema version 9, this build knows up to 3",
      },
    });
    await renderApp();

    const screenRoot = screen.getByTestId("startup-error");
    expect(within(screenRoot).getByRole("heading", { level: 1 }).textContent).toBe(
      "Scriptorium could not open its data",
    );
    expect(within(screenRoot).getByText("The database was written by a newer version of Scriptorium.")).toBeTruthy();
    expect(within(screenRoot).getByText("schema version 9, this build knows up to 3")).toBeTruthy();
    expect(within(screenRoot).getByText(/left exactly as it was/)).toBeTruthy();
    expect(screen.queryByTestId("nav-chat")).toBeNull();
    expect(api.getSettings).not.toHaveBeenCalled();
    expect(document.documentElement.dataset.ready).toBeUndefined();
  });

  it("also covers a failure to reach the backend at all", async () => {
    api.startupStatus.mockRejectedValue(new TypeError("window.__TAURI_INTERNALS__ is undefined"));
    await renderApp();
    const screenRoot = screen.getByTestId("startup-error");
    expect(within(screenRoot).getByText("window.__TAURI_INTERNALS__ is undefined")).toBeTruthy();
  });
});
