import { useEffect, useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import type { Preset } from "../ipc";
import { useSettingsStore } from "../settings/settingsStore";
import { BackendForm } from "./BackendForm";
import { BackendRow } from "./BackendRow";
import { useBackendsStore } from "./backendsStore";
import { FirstRun } from "./FirstRun";
import "./Backends.css";

/** At most one form is open: adding (from a preset or a custom URL) or editing one backend. */
type Panel = { kind: "add"; preset: Preset | null } | { kind: "edit"; id: number } | null;

/** The "Model servers" part of Settings. */
export function BackendsSection() {
  const { t } = useTranslation();
  const load = useBackendsStore((s) => s.load);
  const backends = useBackendsStore((s) => s.backends);
  const refresh = useBackendsStore((s) => s.refresh);
  const defaultBackend = useSettingsStore((s) => s.settings.defaultBackend);
  const [panel, setPanel] = useState<Panel>(null);
  // The button that opened the form gets the focus back when it closes.
  const opener = useRef<HTMLElement | null>(null);

  useEffect(() => {
    void refresh();
  }, [refresh]);

  useEffect(() => {
    if (panel === null && opener.current?.isConnected) opener.current.focus();
  }, [panel]);

  const open = (next: Panel) => {
    opener.current = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    setPanel(next);
  };
  const close = () => {
    setPanel(null);
  };
  const adding = panel?.kind === "add";

  return (
    <section className="page-section" aria-labelledby="settings-backends" data-testid="backends-section">
      <div className="section-heading">
        <h2 id="settings-backends">{t("backends.title")}</h2>
        <button
          type="button"
          className="button"
          data-testid="backend-add"
          aria-expanded={adding}
          onClick={() => {
            if (adding) close();
            else open({ kind: "add", preset: null });
          }}
        >
          {t("backends.add")}
        </button>
      </div>
      <p className="page-section-hint">{t("backends.hint")}</p>
      {adding && (
        <div className="card">
          <BackendForm key={panel.preset?.id ?? ""} editing={null} preset={panel.preset} onDone={close} />
        </div>
      )}
      {load.status === "loading" && (
        <div className="card">
          <p className="card-status">{t("backends.loading")}</p>
        </div>
      )}
      {load.status === "failed" && (
        <div className="card card-status">
          <p className="error-text" role="alert">
            {t("backends.loadFailed", { message: load.error.message })}
          </p>
          <button type="button" className="button" onClick={() => void refresh()}>
            {t("backends.retry")}
          </button>
        </div>
      )}
      {load.status === "ready" && backends.length === 0 && !adding && (
        <FirstRun
          onChoose={(preset) => {
            open({ kind: "add", preset });
          }}
        />
      )}
      {load.status === "ready" && backends.length > 0 && (
        <ul className="card row-list">
          {backends.map((view) => {
            const editing = panel?.kind === "edit" && panel.id === view.backend.id;
            return (
              <BackendRow
                key={view.backend.id}
                view={view}
                isDefault={view.backend.name === defaultBackend}
                editing={editing}
                onEdit={() => {
                  if (editing) close();
                  else open({ kind: "edit", id: view.backend.id });
                }}
              >
                {editing && <BackendForm editing={view} onDone={close} />}
              </BackendRow>
            );
          })}
        </ul>
      )}
    </section>
  );
}
