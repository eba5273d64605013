import { useTranslation } from "react-i18next";
import { useChatStore } from "./chatStore";

/** "Show what was sent": the request exactly as the backend received it. */
export function RequestDialog() {
  const { t } = useTranslation();
  const request = useChatStore((s) => s.request);
  const { showRequest } = useChatStore.getState();
  if (!request) return null;
  const sent = { model: request.model, backend: request.backend, params: request.params, prompt: request.prompt };
  return (
    <div className="chat-dialog-backdrop">
      <div className="chat-dialog" role="dialog" aria-modal="true" aria-label={t("chat.sentTitle")} data-testid="chat-request">
        <header>
          <h2>{t("chat.sentTitle")}</h2>
          <button type="button" className="button" data-testid="chat-request-close" onClick={() => void showRequest(null)}>
            {t("chat.close")}
          </button>
        </header>
        <pre>{JSON.stringify(sent, null, 2)}</pre>
      </div>
    </div>
  );
}
