// The Models page and the local backend in the real window: a data folder
// whose models folder holds the committed tiny Qwen2 model lists it with its
// architecture, keeps a thread count chosen there for the next start, and a
// chat with it (its window capped at the model's 256 tokens) streams an
// answer to the end (the tiny model has random weights, so only that an
// answer came is checked); on a
// fresh data folder, the recommended model downloads from a fake hub with
// its progress shown, stops, and resumes to the end.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { copyFileSync, mkdirSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { after, before, describe, test } from "node:test";

import { cliBinary, launchOn, newHome, screenshot, startFakeHub } from "./harness.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const MODEL = "tiny-qwen2";
const FIXTURE = path.join(root, "tests/fixtures/models/tiny-qwen2.gguf");

function homeWithTinyModel() {
  const home = newHome();
  mkdirSync(path.join(home, "models"));
  copyFileSync(FIXTURE, path.join(home, "models", `${MODEL}.gguf`));
  return home;
}

describe("local models", () => {
  const home = homeWithTinyModel();
  let app;

  before(async () => {
    app = await launchOn(home, "models");
  });
  after(async () => app?.close());

  test("the Models page lists the model in the models folder, with its architecture", async () => {
    const { browser } = app;
    const row = browser.$(`[data-testid="model-row-${MODEL}"]`);
    await row.waitForDisplayed({ timeout: 10_000 });
    assert.equal(await row.$('[data-testid="model-architecture"]').getText(), "qwen2");
    assert.match(await row.$('[data-testid="model-parameters"]').getText(), /parameters/);
    assert.ok(!(await browser.$('[data-testid="models-first-run"]').isExisting()), "no first-run card");
    const catalog = await browser.$$('[data-testid="models-catalog"] li');
    assert.ok(catalog.length > 0, "the catalog is offered");
    await screenshot(browser, "models-installed");
  });

  test("a thread count chosen on the Models page is kept for the next start", async () => {
    const { browser } = app;
    const hint = browser.$('[data-testid="local-threads-hint"]');
    await hint.waitForDisplayed({ timeout: 10_000 });
    const inForce = Number(/(\d+) threads? now/.exec(await hint.getText())?.[1]);
    assert.ok(inForce >= 1, `the count in force is shown: ${await hint.getText()}`);
    const other = inForce === 1 ? "2" : "1";
    await browser.$('[data-testid="local-threads"]').selectByAttribute("value", other);
    await browser.$('[data-testid="local-threads-restart"]').waitForDisplayed();
    await hint.scrollIntoView();
    await screenshot(browser, "models-threads");
    const stored = JSON.parse(
      execFileSync(cliBinary, ["--home", home, "model", "threads", "--json"], {
        encoding: "utf8",
      }),
    );
    assert.equal(stored.setting, Number(other));
  });

  test("a chat with the local model streams an answer to the end", async () => {
    const { browser } = app;
    await browser.$('[data-testid="nav-chat"]').click();
    await browser.$('[data-testid="chat-new"]').click();
    await browser.$('[data-testid="chat-settings-toggle"]').click();
    const backend = browser.$('[data-testid="chat-backend"]');
    await backend.waitForDisplayed();
    await browser.waitUntil(async () => (await backend.$$('option[value="local"]')).length === 1, {
      timeoutMsg: "the local backend is not offered",
    });
    await backend.selectByAttribute("value", "local");
    const model = browser.$('select[data-testid="chat-model"]');
    await model.waitForDisplayed();
    assert.equal(await model.getValue(), MODEL);
    // The tiny model was trained for 256 tokens: the window follows it.
    assert.equal(await browser.$('[data-testid="chat-context-tokens"]').getValue(), "256");
    assert.match(await browser.$('[data-testid="chat-context-limit"]').getText(), /256/);
    // Greedy and short: the same answer every run, quickly.
    await browser.$('[data-testid="chat-temperature"]').setValue("0");
    await browser.$('[data-testid="chat-max-tokens"]').setValue("24");
    await browser.$('[data-testid="chat-settings-save"]').click();

    const input = browser.$('[data-testid="chat-input"]');
    await input.waitForEnabled();
    await input.setValue("Hello, tiny model");
    await browser.keys(["Enter"]);

    let last;
    await browser
      .waitUntil(
        async () => {
          last = await browser.execute(() => {
            const answer = document.querySelector('[data-role="assistant"]');
            return answer
              ? {
                  status: answer.dataset.status,
                  text: answer.querySelector('[data-testid="message-content"]')?.textContent ?? "",
                }
              : null;
          });
          return last?.status === "done";
        },
        { timeout: 60_000 },
      )
      .catch((error) => {
        throw new Error(`the local answer did not finish: ${JSON.stringify(last)}`, { cause: error });
      });
    assert.ok(last.text.trim().length > 0, "the answer has text");
    await screenshot(browser, "chat-local-model");
  });
});

describe("downloading a model", () => {
  // The recommended catalog entry, served by the fake hub with the tiny model's bytes.
  const KEY = "qwen2.5-1.5b";
  const REPO = "Qwen/Qwen2.5-1.5B-Instruct-GGUF";
  const FILE = "qwen2.5-1.5b-instruct-q4_k_m.gguf";
  let app;
  let hub;

  before(async () => {
    const files = newHome();
    mkdirSync(path.join(files, REPO), { recursive: true });
    copyFileSync(FIXTURE, path.join(files, REPO, FILE));
    hub = await startFakeHub(files);
    app = await launchOn(newHome(), "models", { SCRIPTORIUM_HF_ENDPOINT: hub.url });
  });
  after(async () => {
    await app?.close();
    hub?.stop();
  });

  test("the first-run card downloads the recommended model; a cancel keeps the bytes and Resume finishes", async () => {
    const { browser } = app;
    const card = browser.$('[data-testid="models-first-run"]');
    await card.waitForDisplayed({ timeout: 10_000 });
    await screenshot(browser, "models-first-run");

    await card.$(`[data-testid="download-start-${KEY}"]`).click();
    const progress = browser.$(`[data-testid="download-progress-${KEY}"]`);
    await browser.waitUntil(async () => /^[1-9]\d?% · /.test(await progress.getText().catch(() => "")), {
      timeout: 15_000,
      timeoutMsg: "no progress shown",
    });
    await screenshot(browser, "models-downloading");
    await browser.$(`[data-testid="download-cancel-${KEY}"]`).click();

    const download = browser.$(`[data-testid="download-${KEY}"]`);
    await browser.waitUntil(async () => (await download.getAttribute("data-status")) === "stopped", {
      timeout: 10_000,
      timeoutMsg: "the download did not stop",
    });
    assert.match(await download.getText(), /Stopped at \d+/);

    await browser.$(`[data-testid="download-start-${KEY}"]`).click();
    const row = browser.$(`[data-testid="model-row-${FILE.replace(/\.gguf$/, "")}"]`);
    await row.waitForDisplayed({ timeout: 20_000 });
    assert.equal(await row.$('[data-testid="model-architecture"]').getText(), "qwen2");
    assert.ok(!(await card.isExisting()), "the first-run card is gone");
    assert.ok(await browser.$(`[data-testid="catalog-installed-${KEY}"]`).isDisplayed());
    await screenshot(browser, "models-downloaded");
  });
});
