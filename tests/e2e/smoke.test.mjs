// Smoke test of the real window: every page, both languages, settings that
// persist, a strict CSP, single instance, and the start-up error screen.
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import { readFileSync, writeFileSync, existsSync } from "node:fs";
import path from "node:path";
import { after, before, describe, test } from "node:test";

import { appBinary, launch, newHome, screenshot, waitForReady } from "./harness.mjs";

const PAGES = ["chat", "story", "translate", "history", "templates", "models", "settings"];
const TITLES = {
  en: ["Chat", "Story", "Translate", "History", "Templates", "Models", "Settings"],
  "zh-CN": ["聊天", "故事", "翻译", "历史", "模板", "模型", "设置"],
};

async function visitEveryPage(browser, language) {
  for (const [index, page] of PAGES.entries()) {
    await browser.$(`[data-testid="nav-${page}"]`).click();
    const root = browser.$(`[data-testid="page-${page}"]`);
    await root.waitForDisplayed({ timeout: 10_000 });
    const heading = await root.$("h1").getText();
    assert.equal(heading, TITLES[language][index], `${page} heading in ${language}`);
    const text = await root.getText();
    assert.ok(text.length > heading.length + 20, `${page} says what will be there`);
    await screenshot(browser, `${page}-${language}`);
  }
}

async function waitFor(condition, message, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(message);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function navLabels(browser) {
  const labels = [];
  for (const page of PAGES) labels.push(await browser.$(`[data-testid="nav-${page}"]`).getText());
  return labels;
}

describe("the desktop window", () => {
  const home = newHome();
  let app;

  before(async () => {
    app = await launch(home);
    await waitForReady(app.browser);
  });
  after(async () => app?.close());

  test("visits every page in English, switches to Chinese and back", async () => {
    const { browser } = app;
    await browser.$('[data-testid="nav-settings"]').click();
    await browser.$('[data-testid="language-en"]').click();
    await visitEveryPage(browser, "en");

    await browser.$('[data-testid="nav-settings"]').click();
    await browser.$('[data-testid="language-zh-CN"]').click();
    await browser.waitUntil(async () => (await navLabels(browser))[0] === "聊天", {
      timeoutMsg: "navigation did not switch to Chinese",
    });
    assert.deepEqual(await navLabels(browser), TITLES["zh-CN"]);
    assert.equal(await browser.execute(() => document.documentElement.lang), "zh-CN");
    await visitEveryPage(browser, "zh-CN");

    await browser.$('[data-testid="nav-settings"]').click();
    await browser.$('[data-testid="language-en"]').click();
    await browser.waitUntil(async () => (await navLabels(browser))[0] === "Chat");
    assert.deepEqual(await navLabels(browser), TITLES.en);
  });

  test("the About section shows where data lives", async () => {
    const { browser } = app;
    await browser.$('[data-testid="nav-settings"]').click();
    const page = browser.$('[data-testid="page-settings"]');
    await browser.waitUntil(async () => (await page.getText()).includes(home), {
      timeoutMsg: "the data folder is not shown",
    });
    assert.ok((await page.getText()).includes(path.join(home, "scriptorium.db")));
  });

  test("switches to the dark theme", async () => {
    const { browser } = app;
    await browser.$('[data-testid="nav-settings"]').click();
    await browser.$('[data-testid="theme-dark"]').click();
    await browser.waitUntil(
      async () => (await browser.execute(() => document.documentElement.dataset.theme)) === "dark",
    );
    const background = await browser.execute(
      () => getComputedStyle(document.body).backgroundColor,
    );
    const [r, g, b] = background.match(/\d+/g).map(Number);
    assert.ok(r + g + b < 200, `dark background, got ${background}`);
    await screenshot(browser, "settings-dark");
  });

  test("the content security policy blocks inline script", async () => {
    const ran = await app.browser.execute(() => {
      const script = document.createElement("script");
      script.textContent = "window.__inlineScriptRan = true";
      document.body.appendChild(script);
      return window.__inlineScriptRan === true;
    });
    assert.equal(ran, false);
  });

  test("a second launch hands over to the running window and exits", async () => {
    const second = spawn(appBinary, [], {
      env: { ...process.env, SCRIPTORIUM_HOME: home },
      stdio: "ignore",
    });
    const code = await new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        second.kill("SIGKILL");
        reject(new Error("the second instance kept running"));
      }, 20_000);
      second.once("exit", (exitCode) => {
        clearTimeout(timer);
        resolve(exitCode);
      });
    });
    assert.equal(code, 0);
    assert.ok(await app.browser.$('[data-testid="nav-chat"]').isDisplayed());
  });

  test("settings and window size survive a restart", async () => {
    await app.browser.setWindowSize(1000, 700);
    // What a log-out does: SIGTERM, after which the app saves and exits.
    for (const pid of execFileSync("pgrep", ["-f", appBinary], { encoding: "utf8" }).split("\n")) {
      if (pid) process.kill(Number(pid), "SIGTERM");
    }
    const stateFile = path.join(home, "window-state.json");
    await waitFor(() => existsSync(stateFile), "the window state was not saved on exit");
    await app.close();

    app = await launch(home);
    await waitForReady(app.browser);
    const { browser } = app;
    assert.equal(await browser.execute(() => document.documentElement.dataset.theme), "dark");
    assert.equal((await navLabels(browser))[0], "Chat");
    const { width, height } = await browser.getWindowSize();
    assert.deepEqual({ width, height }, { width: 1000, height: 700 });
  });
});

describe("a data folder the app cannot use", () => {
  test("a file that is not a database gets a readable error screen and is kept", async () => {
    const home = newHome();
    const db = path.join(home, "scriptorium.db");
    writeFileSync(db, "my precious notes\n");
    const app = await launch(home);
    try {
      await waitForReady(app.browser);
      const screen = app.browser.$('[data-testid="startup-error"]');
      await screen.waitForDisplayed({ timeout: 10_000 });
      const text = await screen.getText();
      assert.match(text, /is not a Scriptorium database/);
      assert.equal(await app.browser.$('[data-testid="nav-chat"]').isExisting(), false);
      await screenshot(app.browser, "startup-error");
    } finally {
      await app.close();
    }
    assert.equal(readFileSync(db, "utf8"), "my precious notes\n");
  });
});
