type Props = {
  /** Names the group for assistive technology: what is about to be deleted. */
  label: string;
  /** What goes, in one or two sentences. */
  question: string;
  cancelText: string;
  confirmText: string;
  /** The buttons' test ids. */
  testIds: { cancel: string; confirm: string };
  busy: boolean;
  onConfirm: () => void;
  onCancel: () => void;
};

/** The step between "Delete" and deleting: what goes, and a way back. */
export function ConfirmDelete({ label, question, cancelText, confirmText, testIds, busy, onConfirm, onCancel }: Props) {
  return (
    <div className="confirm-delete" role="group" aria-label={label}>
      <p>{question}</p>
      <div className="row-actions">
        {/* Cancel first and focused: a stray Enter keeps what was there. */}
        <button type="button" className="button" data-testid={testIds.cancel} autoFocus onClick={onCancel}>
          {cancelText}
        </button>
        <button
          type="button"
          className="button button-danger"
          data-testid={testIds.confirm}
          disabled={busy}
          onClick={onConfirm}
        >
          {confirmText}
        </button>
      </div>
    </div>
  );
}
