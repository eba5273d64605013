// The History view shows prompts, answers, reasoning and search snippets of
// untrusted model output: with the XSS corpus in all of them, nothing may
// run, navigate or open a window.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { after, before, describe, test } from "node:test";

import { cliBinary, homeWithTestServer, launchOn, queueReplies } from "./harness.mjs";

const corpus = JSON.parse(readFileSync(new URL("./xss-corpus.json", import.meta.url), "utf8"));
const BATCH = 10;

/** What the page holds that could run code, and the canary. */
function inspect(browser) {
  return browser.execute(() => {
    const page = document.querySelector('[data-testid="page-history"]');
    return {
      xss: window.__xss ?? null,
      handlers: [...page.querySelectorAll("*")].flatMap((el) =>
        [...el.attributes].filter((a) => /^on/i.test(a.name) || a.name === "srcdoc").map((a) => `${el.tagName} ${a.name}`),
      ),
      // The page's own tags form aside, nothing that can load or submit.
      dangerous:
        page.querySelectorAll("script, iframe, object, embed, img, style, meta, base").length +
        page.querySelectorAll('[data-testid="history-list"] form, [data-testid="history-prompt"] form, [data-testid="history-output"] form').length,
      links: page.querySelectorAll("a[href]").length,
    };
  });
}

describe("untrusted model output in history", () => {
  let home;
  let app;
  let server;
  let generations = 0;

  before(async () => {
    ({ home, server } = await homeWithTestServer());
    for (let start = 0; start < corpus.length; start += BATCH) {
      const batch = corpus.slice(start, start + BATCH);
      await queueReplies(server.url, [{ tokens: batch.map((p) => `${p}\n\n`), reasoning: [batch[0]] }]);
      // The prompt carries payloads too: history shows it as sent.
      execFileSync(cliBinary, ["--home", home, "chat", batch.join(" ")], {
        env: { ...process.env, SCRIPTORIUM_SECRETS: "file" },
        stdio: ["ignore", "ignore", "inherit"],
      });
      generations += 1;
    }
    app = await launchOn(home, "history");
  });
  after(async () => {
    await app?.close();
    server?.stop();
  });

  test(`${corpus.length} payloads in the list, the details and the snippets: none executes`, async () => {
    const { browser } = app;
    const startUrl = await browser.getUrl();
    const handles = (await browser.getWindowHandles()).length;
    for (let id = 1; id <= generations; id += 1) {
      await browser.$(`[data-testid="history-row-${id}"]`).click();
      const detail = browser.$('[data-testid="history-detail"]');
      await browser.waitUntil(async () => (await detail.getText()).includes(`#${id} `), {
        timeoutMsg: `generation ${id} did not open`,
      });
      const output = await browser.$('[data-testid="history-output"]').getText();
      assert.ok(output.includes(corpus[(id - 1) * BATCH].slice(0, 12)), `generation ${id} shows its payloads as text`);
      await browser.execute(() => {
        for (const d of document.querySelectorAll("details")) d.open = true;
      });
      await browser.pause(200);
      assert.deepEqual(await inspect(browser), { xss: null, handlers: [], dangerous: 0, links: 0 }, `generation ${id}`);
    }
    // Search snippets mark the hits inside the untrusted text.
    await browser.$('[data-testid="history-search"]').setValue("onerror");
    await browser.waitUntil(async () => (await browser.$('[data-testid="history-list"]').getText()).includes("onerror"), {
      timeoutMsg: "no snippet showed the search hit",
    });
    await browser.pause(300);
    assert.deepEqual(await inspect(browser), { xss: null, handlers: [], dangerous: 0, links: 0 }, "snippets");
    assert.equal(await browser.getUrl(), startUrl, "the window never navigated");
    assert.equal((await browser.getWindowHandles()).length, handles, "no window was opened");
  });
});
