import { useEffect, useState } from "react";
import { useTranslation } from "react-i18next";
import { toApiError } from "../ipc";
import type { ApiError, FoundServer, Preset } from "../ipc";
import { useBackendsStore } from "./backendsStore";
import { foundDraft } from "./form";

/**
 * Shown while there is no backend: servers already running on this machine
 * are one click away; otherwise, how to get one.
 */
export function FirstRun({ onChoose }: { onChoose: (preset: Preset) => void }) {
  const { t } = useTranslation();
  const probe = useBackendsStore((s) => s.probe);
  const presets = useBackendsStore((s) => s.presets);
  const findLocalServers = useBackendsStore((s) => s.findLocalServers);
  const backends = useBackendsStore((s) => s.backends);
  const add = useBackendsStore((s) => s.add);
  const [adding, setAdding] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);

  useEffect(() => {
    if (probe.status === "idle") void findLocalServers();
  }, [probe.status, findLocalServers]);

  const addFound = async (server: FoundServer) => {
    setAdding(true);
    setError(null);
    try {
      const taken = backends.map((b) => b.backend.name);
      await add(foundDraft(server, taken), null);
    } catch (failure) {
      setError(toApiError(failure));
      setAdding(false);
    }
  };

  if (probe.status !== "done") {
    return (
      <div className="card first-run" data-testid="backends-first-run">
        <p className="first-run-text" role="status">
          {t("backends.firstRun.probing")}
        </p>
      </div>
    );
  }

  const { found } = probe;
  return (
    <div className="card first-run" data-testid="backends-first-run">
      <p className="first-run-text">
        {found.length > 0 ? t("backends.firstRun.found") : t("backends.firstRun.nothing")}
      </p>
      {found.length > 0 ? (
        <ul className="found-list">
          {found.map((server) => (
            <li key={server.preset.id}>
              <button
                type="button"
                className="found-card"
                data-testid={`backend-found-${server.preset.id}`}
                disabled={adding}
                onClick={() => void addFound(server)}
              >
                <span className="found-title">
                  {t("backends.firstRun.add", { name: server.preset.name, count: server.models.length })}
                </span>
                <span className="found-url">{server.preset.baseUrl}</span>
              </button>
            </li>
          ))}
        </ul>
      ) : (
        <ul className="preset-list">
          {presets.map((preset) => (
            <li key={preset.id}>
              <button
                type="button"
                className="button"
                data-testid={`backend-start-${preset.id}`}
                onClick={() => {
                  onChoose(preset);
                }}
              >
                {preset.name}
              </button>
            </li>
          ))}
        </ul>
      )}
      {error && (
        <p className="error-text" role="alert">
          {error.message}
        </p>
      )}
      <button
        type="button"
        className="button button-quiet"
        data-testid="backend-look-again"
        onClick={() => void findLocalServers()}
      >
        {t("backends.firstRun.lookAgain")}
      </button>
    </div>
  );
}
