import { describe, expect, it } from "vitest";
import corpus from "../../../../tests/e2e/xss-corpus.json";
import { renderMarkdown } from "./render";

function parse(html: string): HTMLElement {
  const root = document.createElement("div");
  root.innerHTML = html;
  return root;
}

describe("renderMarkdown", () => {
  it("renders tables, lists, quotes, code and math", () => {
    const root = parse(
      renderMarkdown("| a | b |\n|---|---|\n| 1 | 2 |\n\n- x\n- y\n\n> q\n\n```rust\nfn main() {}\n```\n\n$x^2$ and $$\\frac{1}{2}$$"),
    );
    expect(root.querySelector("table td")?.textContent).toBe("1");
    expect(root.querySelectorAll("ul li")).toHaveLength(2);
    expect(root.querySelector("blockquote")?.textContent).toContain("q");
    expect(root.querySelector(".code-block .hljs-keyword")?.textContent).toBe("fn");
    expect(root.querySelector("[data-code-copy]")).not.toBeNull();
    expect(root.querySelectorAll(".katex").length).toBeGreaterThanOrEqual(2);
  });

  it("keeps KaTeX sizes as data, never as style attributes", () => {
    const root = parse(renderMarkdown("$$\\sqrt{x^2+1}$$"));
    expect(root.querySelector("[style]")).toBeNull();
    expect(root.querySelector("[data-katex-style]")).not.toBeNull();
  });

  it("keeps web links and drops every other scheme", () => {
    const root = parse(renderMarkdown("[ok](https://example.com) [bad](javascript:alert(1)) <http://a.b/>"));
    const hrefs = [...root.querySelectorAll("a")].map((a) => a.getAttribute("href"));
    expect(hrefs.filter(Boolean)).toEqual(["https://example.com", "http://a.b/"]);
    for (const a of root.querySelectorAll("a[href]")) expect(a.getAttribute("rel")).toBe("noopener noreferrer");
  });

  it.each(corpus.map((payload, index) => [index + 1, payload] as const))(
    "payload %i leaves nothing executable",
    (_, payload) => {
      const root = parse(renderMarkdown(payload));
      for (const el of root.querySelectorAll("*")) {
        for (const attr of el.attributes) {
          expect(attr.name.startsWith("on"), `${el.tagName} ${attr.name}`).toBe(false);
          expect(attr.name).not.toBe("style");
          expect(attr.name).not.toBe("srcdoc");
          expect(attr.name).not.toBe("target");
          if (["href", "src", "action", "xlink:href", "data", "formaction"].includes(attr.name)) {
            expect(attr.value).toMatch(/^https?:\/\//i);
          }
        }
      }
      const forbidden = "script, iframe, object, embed, img, style, form, input, meta, base, link, video, audio, template";
      expect(root.querySelector(forbidden)).toBeNull();
    },
  );
});
