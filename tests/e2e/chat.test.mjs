// The chat page against our loopback test server: a streamed answer stopped
// mid-way, regenerate, edit into a new branch, switch between branches,
// rendering, screenshots in both languages and themes, and the whole tree
// found again after a restart.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";

import { homeWithTestServer, launch, launchOn, queueReplies, screenshot, waitForReady } from "./harness.mjs";

const words = (n, prefix) => Array.from({ length: n }, (_, i) => `${prefix}${i} `);

async function send(browser, text) {
  const input = browser.$('[data-testid="chat-input"]');
  await input.waitForEnabled();
  await input.setValue(text);
  await browser.keys(["Enter"]);
}

/** The messages of the branch on screen, in order. */
async function branch(browser) {
  return browser.execute(() =>
    [...document.querySelectorAll('[data-testid^="message-"][data-role]')].map((el) => ({
      id: el.dataset.testid,
      role: el.dataset.role,
      status: el.dataset.status,
      text: el.querySelector('[data-testid="message-content"]')?.textContent ?? "",
      position: el.querySelector('[data-testid="sibling-position"]')?.textContent ?? null,
    })),
  );
}

async function waitForBranch(browser, check, message) {
  let last;
  await browser.waitUntil(
    async () => {
      try {
        last = await branch(browser);
      } catch (error) {
        last = String(error);
        return false;
      }
      return check(last);
    },
    { timeout: 15_000, timeoutMsg: message },
  ).catch((error) => {
    throw new Error(`${message}: ${JSON.stringify(last)}`, { cause: error });
  });
  return last;
}

async function inMessage(browser, role, index, testid) {
  const rows = await browser.$$(`[data-role="${role}"]`);
  return rows[index].$(`[data-testid="${testid}"]`);
}

describe("chat", () => {
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

  test("send, watch it stream, stop mid-way: the partial answer stays, marked", async () => {
    const { browser } = app;
    await queueReplies(server.url, [{ tokens: words(400, "w"), delayMs: 25 }]);
    await send(browser, "Tell me a story");
    await waitForBranch(
      browser,
      (b) => b.length === 2 && b[1].status === "streaming" && b[1].text.length > 30,
      "the answer did not stream",
    );
    await screenshot(browser, "chat-streaming");
    await browser.keys(["Escape"]);
    const stopped = await waitForBranch(browser, (b) => b[1]?.status === "cancelled", "Esc did not stop");
    assert.match(stopped[1].text, /^w0 w1 /);
    assert.ok(!stopped[1].text.includes("w399"), "the stream was cut");
    assert.equal(stopped[0].text, "Tell me a story");
    const status = await (await inMessage(browser, "assistant", 0, "message-status")).getText();
    assert.ok(status.length > 0, "the answer is marked as stopped");
  });

  test("regenerate adds a sibling; the switcher goes between them", async () => {
    const { browser } = app;
    await queueReplies(server.url, [{ tokens: ["Second ", "answer."] }]);
    await (await inMessage(browser, "assistant", 0, "message-regenerate")).click();
    await waitForBranch(
      browser,
      (b) => b[1]?.text.includes("Second answer.") && b[1].position === "2/2" && b[1].status === "done",
      "regenerate did not add a second answer",
    );
    await (await inMessage(browser, "assistant", 0, "sibling-prev")).click();
    const first = await waitForBranch(browser, (b) => b[1]?.position === "1/2", "could not go back");
    assert.equal(first[1].status, "cancelled");
    assert.match(first[1].text, /^w0 /);
    await (await inMessage(browser, "assistant", 0, "sibling-next")).click();
    await waitForBranch(browser, (b) => b[1]?.text.includes("Second answer."), "could not go forward");
  });

  test("edit a message and resend: a new branch, the old one kept", async () => {
    const { browser } = app;
    await queueReplies(server.url, [{ tokens: ["A ", "poem."] }]);
    await (await inMessage(browser, "user", 0, "message-edit")).click();
    const box = browser.$('[data-testid="message-edit-input"]');
    await box.waitForDisplayed();
    await box.setValue("Tell me a poem");
    await browser.$('[data-testid="message-edit-send"]').click();
    const edited = await waitForBranch(
      browser,
      (b) => b[0]?.text === "Tell me a poem" && b[0].position === "2/2" && b[1]?.text.includes("A poem."),
      "the edit did not branch",
    );
    assert.equal(edited.length, 2);
    await (await inMessage(browser, "user", 0, "sibling-prev")).click();
    const old = await waitForBranch(browser, (b) => b[0]?.text === "Tell me a story", "the old branch is gone");
    assert.ok(old[1].text.includes("Second answer."), "the old branch shows its newest answer");
    assert.equal(old[1].position, "2/2");
  });

  test("Markdown, code and math render; screenshots in both languages and themes", async () => {
    const { browser } = app;
    const reply = [
      "Here is a table:\n\n| Name | Value |\n|---|---|\n| pi | $\\pi \\approx 3.14$ |\n\n",
      "> A quote\n\n- one\n- two\n\n",
      "```python\ndef hello():\n    return 'world'\n```\n\n",
      "$$\\int_0^1 x^2\\,dx = \\frac{1}{3}$$\n",
    ];
    await queueReplies(server.url, [{ tokens: reply, reasoning: ["Thinking ", "it over."] }]);
    await send(browser, "Show me formatting");
    await waitForBranch(browser, (b) => b.at(-1)?.status === "done" && b.length === 4, "no formatted answer");
    const last = (await browser.$$('[data-role="assistant"]')).at(-1);
    assert.ok(await last.$("table").isExisting(), "a table");
    assert.ok(await last.$(".code-block .hljs-keyword").isExisting(), "highlighted code");
    assert.ok(await last.$(".math-block .katex").isExisting(), "display math");
    assert.ok(await last.$('[data-testid="message-reasoning"]').isExisting(), "reasoning block");
    const styled = await browser.execute(() => {
      const el = document.querySelector(".katex [style]");
      return el ? el.getAttribute("style") : null;
    });
    assert.ok(styled, "KaTeX sizes are applied through the CSSOM");

    const shots = [
      ["en", "light"],
      ["en", "dark"],
      ["zh-CN", "dark"],
      ["zh-CN", "light"],
    ];
    for (const [language, theme] of shots) {
      await browser.$('[data-testid="nav-settings"]').click();
      await browser.$(`[data-testid="language-${language}"]`).click();
      await browser.$(`[data-testid="theme-${theme}"]`).click();
      await browser.$('[data-testid="nav-chat"]').click();
      const first = (await browser.$$('[data-testid^="conversation-"]'))[0];
      await first.$("button").click();
      await browser.$('[data-role="assistant"]').waitForDisplayed();
      await screenshot(browser, `chat-${language}-${theme}`);
    }
    await browser.$('[data-testid="nav-settings"]').click();
    await browser.$('[data-testid="language-en"]').click();
    await browser.$('[data-testid="theme-light"]').click();
    await browser.$('[data-testid="nav-chat"]').click();
    await (await browser.$$('[data-testid^="conversation-"]'))[0].$("button").click();
    await waitForBranch(browser, (b) => b.length === 4, "the conversation did not reopen");
  });

  test("after a restart the whole tree is there", async () => {
    const before = await branch(app.browser);
    assert.equal(before.length, 4);
    await app.close();
    app = await launch(home);
    const { browser } = app;
    await waitForReady(browser);
    await browser.$('[data-testid="nav-chat"]').click();
    const item = (await browser.$$('[data-testid^="conversation-"]'))[0];
    await item.waitForDisplayed();
    await item.$("button").click();
    const after = await waitForBranch(browser, (b) => b.length === before.length, "the branch did not come back");
    assert.deepEqual(after, before);
    // Both earlier branches are still reachable.
    await (await inMessage(browser, "user", 0, "sibling-next")).click();
    await waitForBranch(browser, (b) => b[0]?.text === "Tell me a poem" && b[1]?.text.includes("A poem."), "edit branch lost");
    await (await inMessage(browser, "user", 0, "sibling-prev")).click();
    await (await inMessage(browser, "assistant", 0, "sibling-prev")).click();
    await waitForBranch(browser, (b) => b[1]?.status === "cancelled" && /^w0 /.test(b[1].text), "stopped answer lost");
  });

  test("rename, delete and undo; Ctrl+N starts a chat, ↑ edits the last message", async () => {
    const { browser } = app;
    const item = (await browser.$$('[data-testid^="conversation-"]'))[0];
    const id = (await item.getAttribute("data-testid")).replace("conversation-", "");
    await browser.$(`[data-testid="conversation-rename-${id}"]`).click();
    const field = browser.$('[data-testid="conversation-rename-input"]');
    await field.setValue("Stories and poems");
    await browser.keys(["Enter"]);
    await browser.waitUntil(
      async () =>
        (await browser.execute(() => document.querySelector('[data-testid="chat-title"]')?.textContent)) ===
        "Stories and poems",
      { timeoutMsg: "the title did not change" },
    );

    await browser.$(`[data-testid="conversation-delete-${id}"]`).click();
    await browser.$('[data-testid="chat-undo"]').waitForDisplayed();
    assert.equal(await browser.$(`[data-testid="conversation-${id}"]`).isExisting(), false);
    await browser.$('[data-testid="chat-undo"]').click();
    await browser.$(`[data-testid="conversation-${id}"]`).waitForDisplayed();
    await waitForBranch(browser, (b) => b.length >= 2, "undo did not bring the tree back");

    await browser.$('[data-testid="chat-input"]').click();
    await browser.keys(["ArrowUp"]);
    const box = browser.$('[data-testid="message-edit-input"]');
    await box.waitForDisplayed();
    assert.equal(await box.getValue(), "Tell me a story");
    await browser.keys(["Escape"]);

    await browser.keys(["Control", "n"]);
    await browser.waitUntil(async () => (await branch(browser)).length === 0, { timeoutMsg: "Ctrl+N did not start a chat" });
    assert.equal((await browser.$$('li[data-testid^="conversation-"]')).length, 2);
  });
});
