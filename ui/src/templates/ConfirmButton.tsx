import { useState } from "react";
import { useTranslation } from "react-i18next";

type Props = {
  testId: string;
  label: string;
  /** The question asked before acting, e.g. "Delete this template?". */
  question: string;
  confirmLabel: string;
  disabled: boolean;
  onConfirm: () => void;
};

/** A destructive action that asks once, in place, before it runs. */
export function ConfirmButton({ testId, label, question, confirmLabel, disabled, onConfirm }: Props) {
  const { t } = useTranslation();
  const [asking, setAsking] = useState(false);
  if (!asking) {
    return (
      <button
        type="button"
        className="button button-danger"
        data-testid={testId}
        disabled={disabled}
        onClick={() => {
          setAsking(true);
        }}
      >
        {label}
      </button>
    );
  }
  return (
    <span className="confirm" role="group" aria-label={question}>
      <span className="confirm-question">{question}</span>
      <button
        type="button"
        className="button button-danger"
        data-testid={`${testId}-confirm`}
        disabled={disabled}
        onClick={() => {
          setAsking(false);
          onConfirm();
        }}
      >
        {confirmLabel}
      </button>
      <button
        type="button"
        className="button button-quiet"
        onClick={() => {
          setAsking(false);
        }}
      >
        {t("templates.actions.cancel")}
      </button>
    </span>
  );
}
