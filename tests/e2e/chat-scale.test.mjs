// A 10,000-message conversation stays light (only the rows in view are in
// the page) and scrolls; a stream of thousands of tokens a second leaves the
// window responsive.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";

import { homeWithTestServer, launchOn, queueReplies } from "./harness.mjs";

function bigConversation(count) {
  const messages = Array.from({ length: count }, (_, i) => ({
    id: i + 1,
    parentId: i === 0 ? null : i,
    role: i % 2 === 0 ? "user" : "assistant",
    content: i % 2 === 0 ? `Question ${i}` : `Answer ${i} with **bold** text and \`code\`.\n\n- a\n- b`,
  }));
  return { scriptoriumConversation: 1, title: "Ten thousand", headId: count, messages };
}

/** The longest gap between animation frames while `ms` pass. */
function longestFrameGap(browser, ms) {
  return browser.executeAsync((duration, done) => {
    let last = performance.now();
    let worst = 0;
    const end = last + duration;
    function frame(now) {
      worst = Math.max(worst, now - last);
      last = now;
      if (now < end) requestAnimationFrame(frame);
      else done(worst);
    }
    requestAnimationFrame(frame);
  }, ms);
}

describe("chat at scale", () => {
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

  test("10,000 messages: a few rows in the page, and it scrolls", async () => {
    const { browser } = app;
    const json = JSON.stringify(bigConversation(10_000));
    // The same command the Import button calls.
    const imported = await browser.executeAsync((text, done) => {
      window.__TAURI_INTERNALS__
        .invoke("import_conversation", { json: text })
        .then((c) => done({ id: c.id }), (error) => done({ error: String(error?.message ?? JSON.stringify(error)) }));
    }, json);
    assert.ok(imported.id, JSON.stringify(imported));
    await browser.$('[data-testid="chat-search"]').setValue("Ten thousand");
    const item = browser.$('[data-testid^="conversation-"]');
    await item.waitForDisplayed({ timeout: 20_000 });
    await item.$("button").click();
    await browser.waitUntil(async () => (await browser.$$("[data-role]")).length > 0, { timeout: 30_000 });
    const rows = await browser.execute(() => document.querySelectorAll("[data-role]").length);
    assert.ok(rows < 60, `${rows} rows in the page`);
    const gap = await browser.executeAsync((done) => {
      const list = document.querySelector('[data-testid="chat-messages"]');
      let worst = 0;
      let last = performance.now();
      let step = 0;
      function frame(now) {
        worst = Math.max(worst, now - last);
        last = now;
        list.scrollTop = (list.scrollHeight * step) / 60;
        step += 1;
        if (step <= 60) requestAnimationFrame(frame);
        else done(worst);
      }
      requestAnimationFrame(frame);
    });
    assert.ok(gap < 500, `a frame took ${gap} ms while scrolling`);
    const top = await browser.execute(() => document.querySelector("[data-role]")?.textContent ?? "");
    assert.ok(top.length > 0);
  });

  test("a fast stream leaves the window responsive", async () => {
    const { browser } = app;
    await browser.$('[data-testid="chat-new"]').click();
    // 6,000 tokens in 60 bursts of 100 tokens 50 ms apart: 2,000 tokens/s.
    const tokens = Array.from({ length: 6000 }, (_, i) => (i % 100 === 99 ? `t${i}\n\n` : `t${i} `));
    const bursts = [];
    for (let i = 0; i < tokens.length; i += 100) bursts.push(tokens.slice(i, i + 100).join(""));
    await queueReplies(server.url, [{ tokens: bursts, delayMs: 50 }]);
    await browser.$('[data-testid="chat-input"]').setValue("Go fast");
    await browser.keys(["Enter"]);
    await browser.$('[data-testid="chat-stop"]').waitForDisplayed();
    const gap = await longestFrameGap(browser, 2000);
    assert.ok(gap < 500, `the window froze for ${gap} ms`);
    await browser.$('[data-testid="chat-send"]').waitForExist({ timeout: 30_000 });
    const text = await browser.execute(
      () => [...document.querySelectorAll('[data-role="assistant"]')].at(-1)?.textContent ?? "",
    );
    assert.ok(text.includes("t5999"), "the whole answer arrived");
  });
});
