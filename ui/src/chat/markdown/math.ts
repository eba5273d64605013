// `$…$` and `$$…$$` in markdown-it, typeset by KaTeX.
//
// KaTeX sizes its boxes with inline `style` attributes, which our CSP
// (style-src 'self') would block. So its `style` attributes are renamed to
// `data-katex-style` here, survive the sanitizer as plain data, and
// `applyKatexStyles` re-applies a small allowlist of properties through the
// CSSOM (element.style), which CSP does not restrict.
import katex from "katex";
import type MarkdownItClass from "markdown-it";

type MarkdownIt = InstanceType<typeof MarkdownItClass>;
type StateInline = Parameters<MarkdownIt["inline"]["ruler"]["push"]>[1] extends (state: infer S, silent: boolean) => boolean ? S : never;
type StateBlock = Parameters<MarkdownIt["block"]["ruler"]["push"]>[1] extends (state: infer S, start: number, end: number, silent: boolean) => boolean ? S : never;

function typeset(tex: string, displayMode: boolean): string {
  const html = katex.renderToString(tex, {
    displayMode,
    throwOnError: false,
    output: "html",
    trust: false,
    strict: "ignore",
    maxSize: 20,
    maxExpand: 200,
  });
  // Attribute values are escaped by KaTeX, so this only matches attributes.
  return html.replaceAll(' style="', ' data-katex-style="');
}

function inline(state: StateInline, silent: boolean): boolean {
  const { src, pos } = state;
  if (src[pos] !== "$" || src[pos + 1] === "$") return false;
  const next = src[pos + 1];
  if (next === undefined || /\s/.test(next)) return false;
  let end = pos + 1;
  while ((end = src.indexOf("$", end)) !== -1) {
    if (src[end - 1] !== "\\" && !/\s/.test(src[end - 1] ?? " ")) break;
    end += 1;
  }
  if (end === -1) return false;
  // "$5 and $6" is money, not math.
  const after = src[end + 1];
  if (after !== undefined && /\d/.test(after)) return false;
  if (!silent) {
    const token = state.push("math_inline", "", 0);
    token.content = src.slice(pos + 1, end);
  }
  state.pos = end + 1;
  return true;
}

function block(state: StateBlock, startLine: number, endLine: number, silent: boolean): boolean {
  const start = (state.bMarks[startLine] ?? 0) + (state.tShift[startLine] ?? 0);
  const max = state.eMarks[startLine] ?? 0;
  const first = state.src.slice(start, max);
  if (!first.startsWith("$$")) return false;
  if (silent) return true;
  let content: string;
  let line = startLine;
  const rest = first.slice(2);
  if (rest.trimEnd().endsWith("$$") && rest.trim().length > 2) {
    content = rest.trimEnd().slice(0, -2);
  } else {
    const lines = [rest];
    let closed = false;
    while (++line < endLine) {
      const text = state.src.slice(
        (state.bMarks[line] ?? 0) + (state.tShift[line] ?? 0),
        state.eMarks[line] ?? 0,
      );
      if (text.trimEnd().endsWith("$$")) {
        lines.push(text.trimEnd().slice(0, -2));
        closed = true;
        break;
      }
      lines.push(text);
    }
    if (!closed) return false;
    content = lines.join("\n");
  }
  state.line = line + 1;
  const token = state.push("math_block", "", 0);
  token.block = true;
  token.content = content;
  token.map = [startLine, state.line];
  return true;
}

export const mathPlugin = (md: MarkdownIt): void => {
  md.inline.ruler.after("escape", "math_inline", inline);
  md.block.ruler.before("fence", "math_block", block, { alt: ["paragraph", "reference", "blockquote", "list"] });
  md.renderer.rules.math_inline = (tokens, index) => typeset(tokens[index]?.content ?? "", false);
  md.renderer.rules.math_block = (tokens, index) =>
    `<div class="math-block">${typeset(tokens[index]?.content ?? "", true)}</div>\n`;
};

/** The properties KaTeX sets, and values that are lengths or plain words. */
const PROPERTIES = new Set([
  "height", "width", "min-width", "max-width", "top", "bottom", "left", "right",
  "vertical-align", "margin-left", "margin-right", "margin-top", "margin-bottom",
  "padding-left", "padding-right", "border-bottom-width", "border-top-width",
  "border-left-width", "border-right-width", "font-size", "line-height", "color",
  "border-color", "background-color", "position",
]);
const VALUE = /^(-?\d*\.?\d+(em|ex|px|pt|%)?|#[0-9a-f]{3,8}|[a-z]+)$/i;

/** Re-applies KaTeX's sizes inside `root` through the CSSOM. */
export function applyKatexStyles(root: ParentNode): void {
  for (const element of root.querySelectorAll<HTMLElement>(".katex [data-katex-style]")) {
    const declarations = element.dataset.katexStyle ?? "";
    for (const declaration of declarations.split(";")) {
      const colon = declaration.indexOf(":");
      if (colon < 0) continue;
      const property = declaration.slice(0, colon).trim().toLowerCase();
      const value = declaration.slice(colon + 1).trim();
      if (PROPERTIES.has(property) && VALUE.test(value)) element.style.setProperty(property, value);
    }
    delete element.dataset.katexStyle;
  }
}
