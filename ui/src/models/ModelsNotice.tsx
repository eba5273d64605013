import { useTranslation } from "react-i18next";

/** A one-sentence outcome above a Models page section, until dismissed. */
export function ModelsNotice({
  text,
  failed,
  testId,
  onDismiss,
}: {
  text: string;
  failed: boolean;
  testId: string;
  onDismiss: () => void;
}) {
  const { t } = useTranslation();
  return (
    <div className={`models-notice${failed ? " models-notice-failed" : ""}`} role="status">
      <p data-testid={testId}>{text}</p>
      <button type="button" className="button button-quiet" onClick={onDismiss}>
        {t("models.dismiss")}
      </button>
    </div>
  );
}
