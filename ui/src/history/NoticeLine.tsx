import { useTranslation } from "react-i18next";
import type { Notice } from "./historyStore";

/** The outcome of the last action, until dismissed. */
export function NoticeLine({ notice, onDismiss }: { notice: Notice; onDismiss: () => void }) {
  const { t } = useTranslation();
  const failed = notice.kind === "failed";
  let text: string;
  switch (notice.kind) {
    case "exported":
      text = t("history.notice.exported", { path: notice.path });
      break;
    case "imported":
      text = t("history.notice.imported", {
        imported: notice.summary.imported,
        skipped: notice.summary.skipped,
      });
      break;
    case "deleted":
      text = t("history.notice.deleted");
      break;
    case "copied":
      text = t("history.notice.copied");
      break;
    case "failed":
      text = notice.error.message;
      break;
  }
  return (
    <div
      className={failed ? "history-notice is-error" : "history-notice"}
      role={failed ? "alert" : "status"}
      data-testid="history-notice"
    >
      <span>{text}</span>
      <button type="button" className="button button-quiet" aria-label={t("history.notice.dismiss")} onClick={onDismiss}>
        ×
      </button>
    </div>
  );
}
