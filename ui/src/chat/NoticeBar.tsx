import { useTranslation } from "react-i18next";
import { useChatStore } from "./chatStore";

export function NoticeBar() {
  const { t } = useTranslation();
  const notice = useChatStore((s) => s.notice);
  const { undoRemove, dismiss } = useChatStore.getState();
  if (!notice) return null;
  return (
    <div className={`chat-notice chat-notice-${notice.kind}`} role="status" data-testid="chat-notice">
      <span>
        {notice.kind === "deleted" && t("chat.deleted", { title: notice.title || t("chat.untitled") })}
        {notice.kind === "exported" && t("chat.exported", { path: notice.path })}
        {notice.kind === "failed" && notice.error.message}
      </span>
      {notice.kind === "deleted" && (
        <button type="button" className="button" data-testid="chat-undo" onClick={() => void undoRemove()}>
          {t("chat.undo")}
        </button>
      )}
      <button type="button" className="button-quiet" aria-label={t("chat.dismiss")} onClick={dismiss}>
        ✕
      </button>
    </div>
  );
}
