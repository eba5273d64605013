import { useTranslation } from "react-i18next";
import type { Notice } from "./templatesStore";

type Props = {
  notice: Notice;
  onReplace: () => void;
  onDismiss: () => void;
};

/** The outcome of the last action: saved, exported, imported, or what went wrong. */
export function NoticeBar({ notice, onReplace, onDismiss }: Props) {
  const { t } = useTranslation();
  const failed = notice.kind === "failed" || notice.kind === "importConflict";
  let body;
  switch (notice.kind) {
    case "saved":
      body = <p>{t("templates.notice.saved")}</p>;
      break;
    case "exported":
      body = (
        <>
          <p>{t("templates.notice.exported", { count: notice.paths.length })}</p>
          <ul className="notice-paths">
            {notice.paths.map((path) => (
              <li key={path}>{path}</li>
            ))}
          </ul>
        </>
      );
      break;
    case "imported":
      body = (
        <>
          <p>{t("templates.notice.imported", { count: notice.outcomes.length })}</p>
          <ul className="notice-paths">
            {notice.outcomes.map((o) => (
              <li key={`${o.template.id}/${o.template.language}`}>
                {t(`templates.notice.status.${o.status}`)}: {o.name} ({o.template.id}, {o.template.language})
              </li>
            ))}
          </ul>
        </>
      );
      break;
    case "importConflict":
      body = (
        <>
          <p>{notice.message}</p>
          <button type="button" className="button" data-testid="templates-import-replace" onClick={onReplace}>
            {t("templates.notice.replace")}
          </button>
        </>
      );
      break;
    case "failed":
      body = <p>{notice.error.message}</p>;
      break;
  }
  return (
    <div
      className={failed ? "template-notice is-error" : "template-notice"}
      role={failed ? "alert" : "status"}
      data-testid="templates-notice"
    >
      <div className="template-notice-body">{body}</div>
      <button type="button" className="button button-quiet" aria-label={t("templates.notice.dismiss")} onClick={onDismiss}>
        ×
      </button>
    </div>
  );
}
