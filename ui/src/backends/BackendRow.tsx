import { useId, useRef, useState } from "react";
import type { ReactNode } from "react";
import { useTranslation } from "react-i18next";
import { toApiError } from "../ipc";
import type { ApiError, BackendView, KeyLocation } from "../ipc";
import { ConfirmDelete } from "../ui/ConfirmDelete";
import { useBackendsStore } from "./backendsStore";
import { TestResult } from "./TestResult";

type Props = {
  view: BackendView;
  isDefault: boolean;
  editing: boolean;
  onEdit: () => void;
  /** The edit form, shown under the row while editing. */
  children?: ReactNode;
};

function useKeyText(key: KeyLocation | null): string {
  const { t } = useTranslation();
  if (!key) return t("backends.row.noKey");
  return key.kind === "keychain" ? t("backends.row.keyKeychain") : t("backends.row.keyFile", { path: key.path });
}

/** One backend: what it is, where its key is, and what can be done with it. */
export function BackendRow({ view, isDefault, editing, onEdit, children }: Props) {
  const { t } = useTranslation();
  const { name, baseUrl, defaultModel } = view.backend;
  const nameId = useId();
  const testing = useBackendsStore((s) => s.tests[name]?.status === "running");
  const test = useBackendsStore((s) => s.test);
  const remove = useBackendsStore((s) => s.remove);
  const makeDefault = useBackendsStore((s) => s.makeDefault);
  const deleteRef = useRef<HTMLButtonElement>(null);
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const keyText = useKeyText(view.key);

  const run = async (action: () => Promise<void>) => {
    setBusy(true);
    setError(null);
    try {
      await action();
    } catch (failure) {
      setError(toApiError(failure));
    }
    setBusy(false);
  };

  return (
    <li data-testid={`backend-row-${name}`} aria-labelledby={nameId}>
      <div className="row-summary">
        <div className="row-text">
          <h3 className="row-name" id={nameId}>
            {name}
            {isDefault && (
              <span className="badge" data-testid={`backend-default-badge-${name}`}>
                {t("backends.row.default")}
              </span>
            )}
          </h3>
          <p className="row-mono">{baseUrl}</p>
          <p className="row-meta">
            {defaultModel ? t("backends.row.model", { model: defaultModel }) : t("backends.row.noModel")}
            <span aria-hidden="true"> · </span>
            <span data-testid={`backend-key-${name}`}>{keyText}</span>
          </p>
        </div>
        <div className="row-actions">
          <button
            type="button"
            className="button"
            data-testid={`backend-test-${name}`}
            disabled={testing}
            onClick={() => void test(name)}
          >
            {t("backends.row.test")}
          </button>
          <button
            type="button"
            className="button"
            data-testid={`backend-edit-${name}`}
            aria-expanded={editing}
            onClick={onEdit}
          >
            {t("backends.row.edit")}
          </button>
          {!isDefault && (
            <button
              type="button"
              className="button"
              data-testid={`backend-make-default-${name}`}
              disabled={busy}
              onClick={() => void run(() => makeDefault(name))}
            >
              {t("backends.row.makeDefault")}
            </button>
          )}
          <button
            type="button"
            className="button button-danger"
            ref={deleteRef}
            data-testid={`backend-delete-${name}`}
            aria-expanded={confirming}
            onClick={() => {
              setConfirming(!confirming);
            }}
          >
            {t("backends.row.delete")}
          </button>
        </div>
      </div>
      {confirming && (
        <ConfirmDelete
          label={t("backends.delete.label", { name })}
          question={
            isDefault
              ? `${t("backends.delete.question", { name })} ${t("backends.delete.wasDefault")}`
              : t("backends.delete.question", { name })
          }
          cancelText={t("backends.delete.cancel")}
          confirmText={t("backends.delete.confirm")}
          testIds={{ cancel: `backend-delete-cancel-${name}`, confirm: `backend-delete-confirm-${name}` }}
          busy={busy}
          onConfirm={() => void run(() => remove(name))}
          onCancel={() => {
            setConfirming(false);
            deleteRef.current?.focus();
          }}
        />
      )}
      {error && (
        <p className="error-text" role="alert">
          {error.message}
        </p>
      )}
      <TestResult name={name} />
      {children}
    </li>
  );
}
