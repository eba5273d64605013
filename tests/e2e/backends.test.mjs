// Model servers in Settings: add one against our loopback test server, test
// the connection, make it the default; the key lands in the key file only.
import assert from "node:assert/strict";
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { after, before, describe, test } from "node:test";

import { launch, newHome, screenshot, startTestServer, waitForReady } from "./harness.mjs";

const KEY = "sk-e2e-canary-5d1f0c9b7a3e";

function filesUnder(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    return entry.isDirectory() ? filesUnder(full) : [full];
  });
}

describe("model servers", () => {
  const home = newHome();
  let app;
  let server;

  before(async () => {
    server = await startTestServer();
    app = await launch(home);
    await waitForReady(app.browser);
  });
  after(async () => {
    await app?.close();
    server?.stop();
  });

  test("add a server, test it, make it the default", async () => {
    const { browser } = app;
    await browser.$('[data-testid="nav-settings"]').click();
    await browser.$('[data-testid="backends-section"]').waitForDisplayed();
    await browser.$('[data-testid="backend-add"]').click();
    await browser.$('[data-testid="backend-name"]').setValue("loopback");
    await browser.$('[data-testid="backend-base-url"]').setValue(server.url);
    await browser.$('[data-testid="backend-model"]').setValue("test-model");
    await browser.$('[data-testid="backend-key"]').setValue(KEY);
    await browser.$('[data-testid="backend-save"]').click();

    const row = browser.$('[data-testid="backend-row-loopback"]');
    await row.waitForDisplayed({ timeout: 10_000 });
    const rowText = await row.getText();
    assert.ok(rowText.includes(server.url), rowText);
    assert.ok(rowText.includes(path.join(home, "secrets.json")), `says where the key is: ${rowText}`);
    assert.ok(!rowText.includes(KEY));

    await browser.$('[data-testid="backend-test-loopback"]').click();
    const result = browser.$('[data-testid="backend-test-result-loopback"]');
    await browser.waitUntil(async () => (await result.getText()).includes("test-model-large"), {
      timeoutMsg: "the model list did not appear",
    });
    assert.match(await result.getText(), /\d+\s*ms/);

    await browser.$('[data-testid="backend-make-default-loopback"]').click();
    await browser.$('[data-testid="backend-default-badge-loopback"]').waitForDisplayed();
    await screenshot(browser, "settings-backends");

    const settings = browser.$('[data-testid="page-settings"]');
    await browser.waitUntil(async () => /Backends\s*1(?!\d)/.test(await settings.getText()), {
      timeoutMsg: "About does not count the new server",
    });
    assert.ok(!(await settings.getText()).includes(KEY), "the key is never shown");
    const holders = filesUnder(home).filter((file) => readFileSync(file).includes(KEY));
    assert.deepEqual(holders, [path.join(home, "secrets.json")]);
    assert.equal(statSync(path.join(home, "secrets.json")).mode & 0o777, 0o600);
  });
});
