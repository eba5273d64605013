import { describe, expect, it } from "vitest";
import { daysAgo, formatMs, parseTags, promptText } from "./format";

describe("history formatting", () => {
  it("shows durations in ms below a second, seconds above", () => {
    expect(formatMs(null)).toBe("–");
    expect(formatMs(950)).toBe("950 ms");
    expect(formatMs(1234)).toBe("1.23 s");
    expect(formatMs(65_000)).toBe("65.0 s");
  });

  it("reads tags separated by Latin or Chinese commas", () => {
    expect(parseTags(" draft, 好句子，, keep ")).toEqual(["draft", "好句子", "keep"]);
    expect(parseTags("")).toEqual([]);
  });

  it("puts each message under its role", () => {
    expect(
      promptText({
        format: "chat",
        messages: [
          { role: "system", content: "Be brief." },
          { role: "user", content: "Hi" },
        ],
      }),
    ).toBe("── system ──\nBe brief.\n\n── user ──\nHi");
    expect(promptText({ format: "completion", text: "Once" })).toBe("Once");
  });

  it("counts days back in UTC", () => {
    expect(daysAgo(30, new Date("2026-03-31T23:30:00Z"))).toBe("2026-03-01");
  });
});
