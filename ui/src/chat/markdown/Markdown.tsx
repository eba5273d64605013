import { useLayoutEffect, useMemo, useRef } from "react";
import type { MouseEvent } from "react";
import { useTranslation } from "react-i18next";
import { openLink } from "../../ipc";
import { applyKatexStyles } from "./math";
import { renderMarkdown } from "./render";
import "./Markdown.css";
import "katex/dist/katex.min.css";

/** Renders untrusted model output: sanitized HTML, links opened only by a
 * click and only in the system browser, code blocks with a copy button. */
export function Markdown({ text, className }: { text: string; className?: string }) {
  const { t } = useTranslation();
  const html = useMemo(() => renderMarkdown(text), [text]);
  const ref = useRef<HTMLDivElement>(null);

  useLayoutEffect(() => {
    const root = ref.current;
    if (!root) return;
    root.innerHTML = html;
    applyKatexStyles(root);
    for (const button of root.querySelectorAll<HTMLButtonElement>("[data-code-copy]")) {
      button.textContent = t("chat.copyCode");
    }
  }, [html, t]);

  function onClick(event: MouseEvent<HTMLDivElement>) {
    const target = event.target as Element;
    const copy = target.closest("[data-code-copy]");
    if (copy) {
      const code = copy.closest(".code-block")?.querySelector("code")?.textContent ?? "";
      void navigator.clipboard.writeText(code).catch(() => undefined);
      copy.textContent = t("chat.copied");
      return;
    }
    const link = target.closest("a");
    if (link) {
      // The webview never navigates; Rust checks the scheme again.
      event.preventDefault();
      const href = link.getAttribute("href");
      if (href && /^https?:\/\//i.test(href)) void openLink(href).catch(() => undefined);
    }
  }

  return (
    <div ref={ref} className={`markdown ${className ?? ""}`} onClick={onClick} />
  );
}
