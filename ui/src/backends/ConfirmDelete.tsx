import { useTranslation } from "react-i18next";

type Props = {
  name: string;
  isDefault: boolean;
  busy: boolean;
  onConfirm: () => void;
  onCancel: () => void;
};

/** The step between "Delete" and deleting: what goes, and a way back. */
export function ConfirmDelete({ name, isDefault, busy, onConfirm, onCancel }: Props) {
  const { t } = useTranslation();
  return (
    <div className="confirm-delete" role="group" aria-label={t("backends.delete.label", { name })}>
      <p>
        {t("backends.delete.question", { name })}
        {isDefault && ` ${t("backends.delete.wasDefault")}`}
      </p>
      <div className="row-actions">
        {/* Cancel first and focused: a stray Enter keeps the backend. */}
        <button
          type="button"
          className="button"
          data-testid={`backend-delete-cancel-${name}`}
          autoFocus
          onClick={onCancel}
        >
          {t("backends.delete.cancel")}
        </button>
        <button
          type="button"
          className="button button-danger"
          data-testid={`backend-delete-confirm-${name}`}
          disabled={busy}
          onClick={onConfirm}
        >
          {t("backends.delete.confirm")}
        </button>
      </div>
    </div>
  );
}
