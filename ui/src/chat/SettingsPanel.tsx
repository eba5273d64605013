import { useEffect, useId, useState } from "react";
import { useTranslation } from "react-i18next";
import { listBackends, listLocalModels } from "../ipc";
import type { BackendView, ChatSettings } from "../ipc";
import { useChatStore } from "./chatStore";

/** The built-in backend that runs the models of the Models page. */
const LOCAL_BACKEND = "local";

/** A local model that can run, with the context it was trained for when its file says. */
type LocalChoice = { id: string; contextLength: number | null };

/** The most context the chosen local model reads; null for other backends or when unknown. */
function contextLimit(settings: ChatSettings, models: LocalChoice[]): number | null {
  if (settings.backend !== LOCAL_BACKEND) return null;
  return models.find((m) => m.id === settings.model)?.contextLength ?? null;
}

/** Lowers the window to what the local model reads; a smaller one is kept. */
function withinModel(settings: ChatSettings, models: LocalChoice[]): ChatSettings {
  const limit = contextLimit(settings, models);
  return limit !== null && settings.contextTokens > limit ? { ...settings, contextTokens: limit } : settings;
}

function numberOrNull(text: string): number | null {
  const value = Number(text);
  return text.trim() === "" || Number.isNaN(value) ? null : value;
}

/** Backend, model, system prompt, window and sampling for this conversation. */
export function SettingsPanel({ settings, onClose }: { settings: ChatSettings; onClose: () => void }) {
  const { t, i18n } = useTranslation();
  const contextHintId = useId();
  const { saveSettings } = useChatStore.getState();
  const [draft, setDraft] = useState(settings);
  const [backends, setBackends] = useState<BackendView[]>([]);
  const [localModels, setLocalModels] = useState<LocalChoice[]>([]);
  const local = draft.backend === LOCAL_BACKEND;
  const localIds = localModels.map((m) => m.id);
  const limit = contextLimit(draft, localModels);

  useEffect(() => {
    listBackends()
      .then(setBackends)
      .catch(() => undefined);
    listLocalModels()
      .then((models) => {
        const choices = models
          .filter((m) => m.problem === null)
          .map((m) => ({ id: m.id, contextLength: m.summary?.contextLength ?? null }));
        setLocalModels(choices);
        // A window saved before it was known cannot be more than the model reads.
        setDraft((current) => withinModel(current, choices));
      })
      .catch(() => undefined);
  }, []);

  // A model saved earlier and since deleted stays visible, not silently replaced.
  const modelChoices = local && draft.model && !localIds.includes(draft.model) ? [draft.model, ...localIds] : localIds;

  return (
    <form
      className="chat-settings"
      data-testid="chat-settings"
      onSubmit={(e) => {
        e.preventDefault();
        void saveSettings(draft).then(onClose);
      }}
    >
      <label>
        {t("chat.backend")}
        <select
          className="select"
          data-testid="chat-backend"
          value={draft.backend ?? ""}
          onChange={(e) => {
            const backend = e.target.value || null;
            // The local backend has no default model: start with the first one.
            const keep = backend !== LOCAL_BACKEND || localIds.includes(draft.model);
            const model = keep ? draft.model : (localIds[0] ?? "");
            setDraft(withinModel({ ...draft, backend, model }, localModels));
          }}
        >
          <option value="">{t("chat.defaultBackend")}</option>
          {backends.map((b) => (
            <option key={b.backend.name} value={b.backend.name}>
              {b.backend.name}
            </option>
          ))}
          {(localModels.length > 0 || local) && <option value={LOCAL_BACKEND}>{t("chat.localBackend")}</option>}
        </select>
      </label>
      <label>
        {t("chat.model")}
        {local ? (
          <select
            className="select"
            data-testid="chat-model"
            value={draft.model}
            onChange={(e) => {
              setDraft(withinModel({ ...draft, model: e.target.value }, localModels));
            }}
          >
            {modelChoices.length === 0 && <option value="">{t("chat.noLocalModels")}</option>}
            {modelChoices.map((id) => (
              <option key={id} value={id}>
                {id}
              </option>
            ))}
          </select>
        ) : (
          <input
            className="input"
            data-testid="chat-model"
            placeholder={t("chat.defaultModel")}
            value={draft.model}
            onChange={(e) => {
              setDraft({ ...draft, model: e.target.value });
            }}
          />
        )}
      </label>
      <div className="chat-settings-field">
        <label>
          {t("chat.contextTokens")}
          <input
            className="input"
            type="number"
            min={limit === null ? 256 : Math.min(256, limit)}
            max={limit ?? undefined}
            aria-describedby={limit === null ? undefined : contextHintId}
            data-testid="chat-context-tokens"
            value={draft.contextTokens}
            onChange={(e) => {
              setDraft({ ...draft, contextTokens: Math.max(1, Number(e.target.value) || 1) });
            }}
          />
        </label>
        {limit !== null && (
          <p className="chat-settings-hint" id={contextHintId} data-testid="chat-context-limit">
            {t("chat.contextLimit", { tokens: limit.toLocaleString(i18n.language) })}
          </p>
        )}
      </div>
      <label>
        {t("chat.temperature")}
        <input
          className="input"
          type="number"
          step="0.1"
          min={0}
          max={2}
          data-testid="chat-temperature"
          value={draft.params.temperature ?? ""}
          onChange={(e) => {
            setDraft({ ...draft, params: { ...draft.params, temperature: numberOrNull(e.target.value) } });
          }}
        />
      </label>
      <label>
        {t("chat.maxTokens")}
        <input
          className="input"
          type="number"
          min={1}
          data-testid="chat-max-tokens"
          value={draft.params.maxTokens ?? ""}
          onChange={(e) => {
            setDraft({ ...draft, params: { ...draft.params, maxTokens: numberOrNull(e.target.value) } });
          }}
        />
      </label>
      <label className="chat-settings-wide">
        {t("chat.systemPrompt")}
        <textarea
          className="input"
          rows={4}
          data-testid="chat-system-prompt"
          value={draft.systemPrompt}
          onChange={(e) => {
            setDraft({ ...draft, systemPrompt: e.target.value });
          }}
        />
      </label>
      <div className="chat-settings-actions">
        <button type="button" className="button" onClick={onClose}>
          {t("chat.cancel")}
        </button>
        <button type="submit" className="button button-primary" data-testid="chat-settings-save">
          {t("chat.save")}
        </button>
      </div>
    </form>
  );
}
