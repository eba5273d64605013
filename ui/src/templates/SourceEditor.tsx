import { useRef } from "react";
import { useTranslation } from "react-i18next";
import type { Problem } from "../ipc";
import { lines, offsetOf } from "./sourceLines";

type Props = {
  value: string;
  onChange: (value: string) => void;
  /** Ctrl+S (⌘S on macOS) in the editor. */
  onSave: () => void;
  /** The problem to mark in the text, when it has a line. */
  problem: Problem | null;
  label: string;
};

/**
 * A plain-text editor for template files with line numbers and the
 * problem's line marked in place. A textarea over a backdrop that mirrors
 * its text, rather than a code editor library: those inject <style>
 * elements, which the app's content security policy forbids.
 */
export function SourceEditor({ value, onChange, onSave, problem, label }: Props) {
  const { t } = useTranslation();
  const textarea = useRef<HTMLTextAreaElement>(null);
  const backdrop = useRef<HTMLDivElement>(null);
  const gutter = useRef<HTMLDivElement>(null);
  const all = lines(value);
  const problemLine = problem?.line ?? null;

  const syncScroll = () => {
    const area = textarea.current;
    if (!area) return;
    if (backdrop.current) {
      backdrop.current.scrollTop = area.scrollTop;
      backdrop.current.scrollLeft = area.scrollLeft;
    }
    if (gutter.current) gutter.current.scrollTop = area.scrollTop;
  };

  const goToProblem = () => {
    const area = textarea.current;
    if (!area || problemLine === null) return;
    const offset = offsetOf(value, problemLine, problem?.column ?? null);
    area.focus();
    area.setSelectionRange(offset, offset);
  };

  return (
    <div className="source-editor">
      <div className="source-editor-frame" data-problem={problemLine !== null || undefined}>
        <div className="source-gutter" ref={gutter} aria-hidden="true">
          {all.map((_, index) => (
            <div key={index} className={index + 1 === problemLine ? "source-line-number is-problem" : "source-line-number"}>
              {index + 1}
            </div>
          ))}
        </div>
        <div className="source-body">
          <div className="source-backdrop" ref={backdrop} aria-hidden="true">
            {all.map((line, index) => (
              <div key={index} className={index + 1 === problemLine ? "source-line is-problem" : "source-line"}>
                {line || " "}
              </div>
            ))}
          </div>
          <textarea
            ref={textarea}
            className="source-textarea"
            data-testid="template-source"
            aria-label={label}
            aria-invalid={problem ? true : undefined}
            spellCheck={false}
            autoCapitalize="off"
            autoComplete="off"
            wrap="off"
            value={value}
            onChange={(event) => {
              onChange(event.target.value);
            }}
            onScroll={syncScroll}
            onKeyDown={(event) => {
              if ((event.ctrlKey || event.metaKey) && event.key.toLowerCase() === "s") {
                event.preventDefault();
                onSave();
              }
            }}
          />
        </div>
      </div>
      {problem && (
        <div className="source-problem" role="alert" data-testid="template-problem">
          <p>{problem.message}</p>
          {problemLine !== null && (
            <button type="button" className="button button-quiet" onClick={goToProblem}>
              {t("templates.editor.goToLine", { line: problemLine })}
            </button>
          )}
        </div>
      )}
    </div>
  );
}
