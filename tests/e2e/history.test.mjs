// The History page against generations made by the CLI: search in Chinese,
// open one, mark it a favourite, and see the CLI read the mark back.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { after, before, describe, test } from "node:test";

import { cliBinary, launch, newHome, screenshot, startTestServer, waitForReady } from "./harness.mjs";


describe("history", () => {
  const home = newHome();
  const cli = (...args) =>
    execFileSync(cliBinary, args, {
      env: { ...process.env, SCRIPTORIUM_HOME: home, SCRIPTORIUM_SECRETS: "file" },
      encoding: "utf8",
    });
  let app;
  let server;

  before(async () => {
    server = await startTestServer();
    cli("backend", "add", "loopback", "--base-url", server.url, "--model", "test-model");
    assert.equal(cli("chat", "Tell me about the lighthouse keeper"), "Hello from the test server.");
    assert.equal(cli("chat", "--temperature", "0.4", "讲一个关于灯塔的故事"), "Hello from the test server.");
    app = await launch(home);
    await waitForReady(app.browser);
  });
  after(async () => {
    await app?.close();
    server?.stop();
  });

  test("search, open a generation and make it a favourite", async () => {
    const { browser } = app;
    await browser.$('[data-testid="nav-history"]').click();
    await browser.$('[data-testid="history-row-2"]').waitForDisplayed({ timeout: 10_000 });
    assert.ok(await browser.$('[data-testid="history-row-1"]').isDisplayed());

    await browser.$('[data-testid="history-search"]').setValue("灯塔");
    await browser.waitUntil(async () => !(await browser.$('[data-testid="history-row-1"]').isExisting()), {
      timeoutMsg: "the search did not narrow the list",
    });
    const row = browser.$('[data-testid="history-row-2"]');
    assert.equal(await row.$("mark").getText(), "灯塔");

    await row.click();
    const detail = browser.$('[data-testid="history-detail"]');
    await detail.waitForDisplayed({ timeout: 10_000 });
    assert.match(await browser.$('[data-testid="history-prompt"]').getText(), /讲一个关于灯塔的故事/);
    assert.equal(await browser.$('[data-testid="history-output"]').getText(), "Hello from the test server.");
    assert.match(await detail.getText(), /"temperature": 0\.4/);

    await browser.$('[data-testid="history-favourite"]').click();
    await browser.waitUntil(
      async () => (await browser.$('[data-testid="history-favourite"]').getAttribute("aria-pressed")) === "true",
      { timeoutMsg: "the favourite mark did not stick" },
    );
    await row.$(".history-star").waitForDisplayed();
    await screenshot(browser, "history");

    const stored = JSON.parse(cli("history", "show", "2", "--json"));
    assert.equal(stored.favourite, true);
    assert.equal(JSON.parse(cli("history", "show", "1", "--json")).favourite, false);
  });

  test("statistics count the generations per model and time each server", async () => {
    const { browser } = app;
    await browser.$('[data-testid="history-view-stats"]').click();
    const stats = browser.$('[data-testid="history-stats"]');
    await stats.waitForDisplayed({ timeout: 10_000 });
    await browser.waitUntil(async () => /2 generations/.test(await stats.getText()), {
      timeoutMsg: "the statistics do not count both generations",
    });
    assert.match(await stats.getText(), /loopback/);
    assert.ok(await stats.$("svg rect").isExisting(), "a chart is drawn");
    await screenshot(browser, "history-stats");
    await browser.$('[data-testid="history-view-list"]').click();
  });
});
