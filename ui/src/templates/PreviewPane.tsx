import { useTranslation } from "react-i18next";
import type { Rendering } from "../ipc";

/** A rendered prompt as the model will receive it: each message under its role, or the raw text. */
export function PreviewPane({ rendering, stale }: { rendering: Rendering; stale: boolean }) {
  const { t } = useTranslation();
  const { prompt, params } = rendering;
  const facts = [
    params.temperature !== null && t("templates.preview.temperature", { value: params.temperature }),
    params.maxTokens !== null && t("templates.preview.maxTokens", { value: params.maxTokens }),
    params.stop.length > 0 && t("templates.preview.stop", { value: params.stop.map((s) => JSON.stringify(s)).join(" ") }),
  ].filter(Boolean);
  return (
    <div className="template-preview" data-testid="template-preview" data-stale={stale || undefined}>
      {prompt.format === "chat" ? (
        prompt.messages.map((message, index) => (
          <section key={index} className={`preview-message preview-${message.role}`}>
            <h4 className="preview-role">{t(`templates.preview.role.${message.role}`)}</h4>
            <pre className="preview-text">{message.content}</pre>
          </section>
        ))
      ) : (
        <section className="preview-message preview-completion">
          <h4 className="preview-role">{t("templates.preview.completion")}</h4>
          <pre className="preview-text">{prompt.text}</pre>
        </section>
      )}
      {facts.length > 0 && <p className="preview-params">{facts.join(" · ")}</p>}
    </div>
  );
}
