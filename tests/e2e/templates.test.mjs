// The Templates page: browse, preview live with sample values, and see a
// syntax error where it is.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";

import { launch, newHome, screenshot, waitForReady } from "./harness.mjs";

describe("templates", () => {
  let app;

  before(async () => {
    app = await launch(newHome());
    await waitForReady(app.browser);
  });
  after(async () => app?.close());

  test("preview follows the values as they are typed", async () => {
    const { browser } = app;
    await browser.$('[data-testid="nav-templates"]').click();
    await browser.$('[data-testid="template-utility.summarize-en"]').click();
    const preview = browser.$('[data-testid="template-preview"]');
    await preview.waitForDisplayed();
    await browser.$('[data-testid="var-text"]').setValue("A lighthouse keeper finds a message in a bottle.");
    await browser.waitUntil(async () => (await preview.getText()).includes("message in a bottle"), {
      timeoutMsg: "the preview did not show the typed value",
    });
    await screenshot(browser, "templates-preview");
  });

  test("a syntax error is shown with its line", async () => {
    const { browser } = app;
    await browser.$('[data-testid="template-source"]').addValue("\n{% if %}");
    const problem = browser.$('[data-testid="template-problem"]');
    await problem.waitForDisplayed({ timeout: 10_000 });
    assert.match(await problem.getText(), /line \d+/i);
    await screenshot(browser, "templates-error");
  });

  test("the kind filter narrows the list", async () => {
    const { browser } = app;
    await browser.$('[data-testid="templates-kind-translate"]').click();
    await browser.$('[data-testid="template-translate.glossary-en"]').waitForDisplayed();
    assert.equal(await browser.$('[data-testid="template-story.continue-en"]').isExisting(), false);
  });
});
