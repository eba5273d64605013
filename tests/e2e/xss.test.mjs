// Model output is untrusted: the test server answers with a corpus of XSS
// payloads and nothing may run, navigate or open a window. The CSP must
// block inline script even if something slipped through.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { after, before, describe, test } from "node:test";

import { homeWithTestServer, launchOn, queueReplies } from "./harness.mjs";

const corpus = JSON.parse(readFileSync(new URL("./xss-corpus.json", import.meta.url), "utf8"));
const BATCH = 10;

describe("untrusted model output", () => {
  let home;
  let app;
  let server;

  before(async () => {
    ({ home, server } = await homeWithTestServer());
    app = await launchOn(home, "chat");
  });
  after(async () => {
    await app?.close();
    server?.stop();
  });

  test(`${corpus.length} payloads in the chat view: none executes`, async () => {
    const { browser } = app;
    assert.ok(corpus.length >= 50);
    const startUrl = await browser.getUrl();
    const handles = (await browser.getWindowHandles()).length;
    await browser.execute(() => {
      window.__violations = 0;
      document.addEventListener("securitypolicyviolation", () => {
        window.__violations += 1;
      });
    });

    for (let start = 0; start < corpus.length; start += BATCH) {
      const batch = corpus.slice(start, start + BATCH);
      // Each payload arrives in pieces, as a stream would split it.
      const tokens = batch.flatMap((payload) => [payload.slice(0, 7), payload.slice(7), "\n\n"]);
      await queueReplies(server.url, [{ tokens, reasoning: [batch[0]] }]);
      const input = browser.$('[data-testid="chat-input"]');
      await input.setValue(`batch ${start}`);
      await browser.keys(["Enter"]);
      await browser.waitUntil(
        async () =>
          browser.execute((label) => {
            // Older messages scroll out of the (virtualized) list: look at the last ones.
            const users = [...document.querySelectorAll('[data-role="user"]')];
            const answers = [...document.querySelectorAll('[data-role="assistant"]')];
            return (
              users.at(-1)?.textContent.includes(label) &&
              answers.at(-1)?.dataset.status === "done" &&
              !document.querySelector('[data-testid="chat-stop"]')
            );
          }, `batch ${start}`),
        { timeout: 15_000, timeoutMsg: `batch ${start} did not finish` },
      );
      // Open every reasoning block and click every rendered link.
      await browser.execute(() => {
        for (const d of document.querySelectorAll("details")) d.open = true;
      });
      for (const link of await browser.$$(".markdown a:not([href])")) {
        await link.click().catch(() => undefined);
      }
      // Give timers, onerror handlers and animations a moment to fire.
      await browser.pause(300);
      const state = await browser.execute(() => ({
        xss: window.__xss ?? null,
        parentXss: window.top.__xss ?? null,
        handlers: [...document.querySelectorAll(".markdown *")].flatMap((el) =>
          [...el.attributes].filter((a) => /^on/i.test(a.name) || a.name === "srcdoc").map((a) => `${el.tagName} ${a.name}`),
        ),
        dangerous: document.querySelectorAll(
          ".markdown script, .markdown iframe, .markdown object, .markdown embed, .markdown img, .markdown form, .markdown style, .markdown meta, .markdown base",
        ).length,
        badLinks: [...document.querySelectorAll(".markdown a[href]")]
          .map((a) => a.getAttribute("href"))
          .filter((href) => !/^https?:\/\//i.test(href)),
      }));
      assert.deepEqual(state, { xss: null, parentXss: null, handlers: [], dangerous: 0, badLinks: [] }, `batch ${start}`);
    }
    assert.equal(await browser.getUrl(), startUrl, "the window never navigated");
    assert.equal((await browser.getWindowHandles()).length, handles, "no window was opened");
    const text = await browser.$('[data-testid="chat-messages"]').getText();
    assert.ok(text.includes("window.__xss"), "payloads are shown as text");
  });

  test("the CSP blocks inline script and inline style attributes", async () => {
    const { browser } = app;
    const result = await browser.execute(() => {
      const script = document.createElement("script");
      script.textContent = "window.__inline = 1";
      document.body.appendChild(script);
      const probe = document.createElement("div");
      probe.innerHTML = '<span style="color: rgb(1, 2, 3)">x</span>';
      document.body.appendChild(probe);
      const color = getComputedStyle(probe.firstChild).color;
      probe.remove();
      return { inline: window.__inline ?? null, color };
    });
    assert.equal(result.inline, null, "inline script ran");
    assert.notEqual(result.color, "rgb(1, 2, 3)", "an inline style attribute applied");
  });
});
