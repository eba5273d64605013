// Model output to safe HTML: markdown-it with raw HTML off, highlight.js for
// code, KaTeX for math, then DOMPurify over everything. Model output is
// untrusted: nothing here may run script, load anything remote or navigate.
import DOMPurify from "dompurify";
import hljs from "highlight.js/lib/common";
import MarkdownIt from "markdown-it";
import { mathPlugin } from "./math";

const md = new MarkdownIt({
  html: false,
  linkify: true,
  breaks: true,
  typographer: false,
});
md.use(mathPlugin);

md.renderer.rules.fence = (tokens, index) => {
  const token = tokens[index];
  const code = token?.content ?? "";
  const language = (token?.info ?? "").trim().split(/\s+/)[0] ?? "";
  const known = language !== "" && hljs.getLanguage(language) !== undefined;
  const body = known
    ? hljs.highlight(code, { language, ignoreIllegals: true }).value
    : md.utils.escapeHtml(code);
  const label = md.utils.escapeHtml(language);
  return (
    `<div class="code-block"><div class="code-head"><span class="code-lang">${label}</span>` +
    `<button type="button" class="code-copy" data-code-copy="">Copy</button></div>` +
    `<pre><code class="hljs">${body}</code></pre></div>\n`
  );
};

const WEB_LINK = /^https?:\/\//i;

const purify = DOMPurify();
purify.addHook("afterSanitizeAttributes", (node) => {
  if (node.tagName === "A") {
    const href = node.getAttribute("href") ?? "";
    if (WEB_LINK.test(href)) {
      node.setAttribute("rel", "noopener noreferrer");
      node.setAttribute("data-external", "");
    } else {
      node.removeAttribute("href");
    }
    node.removeAttribute("target");
  }
});

const CONFIG = {
  FORBID_TAGS: ["style", "img", "math", "foreignObject", "use", "image", "animate", "set", "iframe", "form", "input", "textarea", "select", "video", "audio", "source", "object", "embed", "link", "meta", "base", "template"],
  FORBID_ATTR: ["style", "srcset", "action", "formaction", "xlink:href", "target"],
  ALLOWED_URI_REGEXP: /^https?:\/\//i,
  ALLOW_DATA_ATTR: true,
  USE_PROFILES: { html: true, svg: true },
};

/** Sanitizes any HTML string with the chat's rules. */
export function sanitize(html: string): string {
  return purify.sanitize(html, CONFIG);
}

/** Markdown from a model, as HTML that is safe to insert. */
export function renderMarkdown(text: string): string {
  return sanitize(md.render(text));
}
