import { act, fireEvent, render, screen, within } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import * as ipc from "../ipc";
import type { GenerationRecord, HistoryItem, HistoryQuery } from "../ipc";
import { HistoryPage, SEARCH_DELAY_MS } from "./HistoryPage";
import { EMPTY_QUERY, PAGE_SIZE, useHistoryStore } from "./historyStore";

// Only our IPC wrapper is faked; the fake keeps a history like the core does.
vi.mock("../ipc", async (importOriginal) => ({
  ...(await importOriginal<typeof import("../ipc")>()),
  historyPage: vi.fn(),
  historyFacets: vi.fn(),
  getGeneration: vi.fn(),
  setFavourite: vi.fn(),
  setGenerationTags: vi.fn(),
  deleteGenerations: vi.fn(),
  compareGenerations: vi.fn(),
  exportHistory: vi.fn(),
}));
const api = vi.mocked(ipc);

const TOTAL = 1_000;

function item(id: number): HistoryItem {
  return {
    id,
    kind: "chat",
    backend: "local",
    model: "test-model",
    status: "done",
    favourite: false,
    tags: [],
    createdAt: "2026-11-28T10:00:00.000Z",
    promptPreview: `prompt ${String(id)}`,
    outputPreview: id === 7 ? "<b>not bold</b> 高兴" : `answer ${String(id)}`,
    snippet: [],
    completionTokens: 5,
    totalMs: 800,
    tokensPerSecond: 6.25,
  };
}

function record(id: number): GenerationRecord {
  return {
    id,
    kind: "chat",
    backend: "local",
    model: "test-model",
    params: { temperature: 0.7 },
    prompt: { format: "chat", messages: [{ role: "user", content: `prompt ${String(id)}` }] },
    status: "done",
    error: null,
    choices: [{ index: 0, text: `<img src=x onerror=alert(1)> answer ${String(id)}`, reasoning: "", finishReason: "stop" }],
    usage: { prompt: 3, completion: 5, estimated: false },
    ttftMs: 120,
    totalMs: 800,
    createdAt: "2026-11-28T10:00:00.000Z",
    finishedAt: null,
    favourite: favourites.has(id),
    tags: [],
    source: null,
    rerunOf: null,
    tokensPerSecond: 7.36,
  };
}

let favourites: Set<number>;

/** Newest first, `limit` at a time after the cursor; "高兴" finds only #7. */
function page(query: HistoryQuery, after: string | null, limit: number) {
  const ids = Array.from({ length: TOTAL }, (_, index) => TOTAL - index).filter(
    (id) => (query.text === "" || (query.text === "高兴" && id === 7)) && (!query.favourite || favourites.has(id)),
  );
  const start = after === null ? 0 : ids.indexOf(Number(after)) + 1;
  const shown = ids.slice(start, start + limit);
  const last = shown.at(-1);
  return Promise.resolve({
    items: shown.map((id) => ({
      ...item(id),
      favourite: favourites.has(id),
      snippet: query.text ? [{ text: "我今天很", hit: false }, { text: "高兴", hit: true }] : [],
    })),
    next: start + limit < ids.length && last !== undefined ? String(last) : null,
  });
}

beforeEach(() => {
  vi.useFakeTimers();
  // jsdom lays nothing out: give the list a window's height to fill.
  vi.spyOn(HTMLElement.prototype, "clientHeight", "get").mockReturnValue(800);
  vi.spyOn(HTMLElement.prototype, "clientWidth", "get").mockReturnValue(600);
  favourites = new Set();
  api.historyPage.mockImplementation(page);
  api.historyFacets.mockResolvedValue({ kinds: ["chat"], backends: ["local"], models: ["test-model"], tags: [] });
  api.getGeneration.mockImplementation((id) => Promise.resolve(record(id)));
  api.setFavourite.mockImplementation((id, on) => {
    if (on) favourites.add(id);
    else favourites.delete(id);
    return Promise.resolve();
  });
  // Each test starts from the store's own initial state.
  useHistoryStore.setState(useHistoryStore.getInitialState(), true);
});

afterEach(() => {
  vi.useRealTimers();
});

async function settle(action: () => void = () => undefined) {
  await act(async () => {
    action();
    await vi.advanceTimersByTimeAsync(SEARCH_DELAY_MS + 50);
  });
}

describe("the history page", () => {
  it("renders only the rows in view of a long history, a page at a time", async () => {
    await settle(() => render(<HistoryPage />));
    const rows = within(screen.getByTestId("history-list")).getAllByRole("option");
    expect(rows.length).toBeGreaterThan(5);
    expect(rows.length).toBeLessThan(40);
    expect(api.historyPage).toHaveBeenCalledTimes(1);
    expect(api.historyPage).toHaveBeenLastCalledWith(EMPTY_QUERY, null, PAGE_SIZE);
    expect(screen.getByTestId("history-row-1000")).toBeTruthy();
    expect(screen.queryByTestId("history-row-1")).toBeNull();
  });

  it("searches as the person types and marks where it matched", async () => {
    await settle(() => render(<HistoryPage />));
    await settle(() => fireEvent.change(screen.getByTestId("history-search"), { target: { value: "高兴" } }));
    expect(api.historyPage).toHaveBeenLastCalledWith({ ...EMPTY_QUERY, text: "高兴" }, null, PAGE_SIZE);
    const row = screen.getByTestId("history-row-7");
    expect(row.querySelector("mark")?.textContent).toBe("高兴");
    expect(screen.queryByTestId("history-row-1000")).toBeNull();
  });

  it("opens a generation, shows model output as text, and favourites it", async () => {
    await settle(() => render(<HistoryPage />));
    await settle(() => fireEvent.click(screen.getByTestId("history-row-1000")));
    const detail = screen.getByTestId("history-detail");
    expect(screen.getByTestId("history-output").textContent).toBe("<img src=x onerror=alert(1)> answer 1000");
    expect(detail.querySelector("img")).toBeNull();
    expect(within(detail).getByText("7.4")).toBeTruthy();

    await settle(() => fireEvent.click(screen.getByTestId("history-favourite")));
    expect(api.setFavourite).toHaveBeenCalledWith(1000, true);
    expect(within(screen.getByTestId("history-row-1000")).getByLabelText("Favourite")).toBeTruthy();

    await settle(() => fireEvent.click(screen.getByTestId("history-filter-favourite")));
    expect(api.historyPage).toHaveBeenLastCalledWith({ ...EMPTY_QUERY, favourite: true }, null, PAGE_SIZE);
    expect(screen.getByTestId("history-count").textContent).toBe("1 generation");
  });

  it("picks two generations and shows their differences side by side", async () => {
    api.compareGenerations.mockResolvedValue({
      first: record(1000),
      second: record(999),
      prompt: [{ op: "same", text: "prompt" }],
      output: [
        { op: "same", text: "The " },
        { op: "removed", text: "red" },
        { op: "added", text: "green" },
        { op: "same", text: " dragon" },
      ],
    });
    await settle(() => render(<HistoryPage />));
    await settle(() => fireEvent.click(screen.getByTestId("history-row-1000")));
    await settle(() => fireEvent.click(screen.getByTestId("history-compare")));
    await settle(() => fireEvent.click(screen.getByTestId("history-row-999")));
    expect(api.compareGenerations).toHaveBeenCalledWith(1000, 999);
    const comparison = screen.getByTestId("history-comparison");
    expect(comparison.querySelector(".history-diff-removed")?.textContent).toBe("red");
    expect(comparison.querySelector(".history-diff-added")?.textContent).toBe("green");
  });
});
