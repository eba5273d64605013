import { useEffect, useState } from "react";
import type { ChangeEvent, RefObject } from "react";
import { useTranslation } from "react-i18next";
import { getTemplate, listTemplates } from "../ipc";
import type { TemplateSummary, Variable } from "../ipc";
import { VariableForm } from "../ui/VariableForm";
import { mergeFormValues, toValues } from "../ui/variableValues";
import type { FormValues } from "../ui/variableValues";
import { useChatStore } from "./chatStore";

export function ConversationList({ searchRef }: { searchRef: RefObject<HTMLInputElement | null> }) {
  const { t, i18n } = useTranslation();
  const list = useChatStore((s) => s.list);
  const query = useChatStore((s) => s.query);
  const current = useChatStore((s) => s.view?.conversation.id ?? null);
  const { refresh, open, newChat, pin, remove, rename, importJson } = useChatStore.getState();
  const [personas, setPersonas] = useState<TemplateSummary[]>([]);
  const [persona, setPersona] = useState("");
  // The chosen persona's variables, filled in before the chat starts.
  const [loaded, setLoaded] = useState<{ key: string; variables: Variable[] }>({ key: "", variables: [] });
  const [form, setForm] = useState<FormValues>({});
  const [renaming, setRenaming] = useState<{ id: number; title: string } | null>(null);

  useEffect(() => {
    listTemplates()
      .then((all) => {
        setPersonas(all.filter((tpl) => tpl.kind === "chat"));
      })
      .catch(() => undefined);
  }, []);

  const language = i18n.language.startsWith("zh") ? "zh-CN" : "en";
  const shown = personas.filter((p) => p.language === language);

  const key = persona && `${persona}/${language}`;
  useEffect(() => {
    if (!persona) return;
    let current = true;
    getTemplate({ id: persona, language })
      .then((entry) => {
        if (current) setLoaded({ key: `${persona}/${language}`, variables: entry.template?.variables ?? [] });
      })
      .catch(() => undefined);
    return () => {
      current = false;
    };
  }, [persona, language]);
  const variables = key && loaded.key === key ? loaded.variables : [];
  const filled = mergeFormValues(variables, form, false);

  async function onImport(event: ChangeEvent<HTMLInputElement>) {
    const file = event.target.files?.[0];
    event.target.value = "";
    if (file) await importJson(await file.text());
  }

  return (
    <aside className="chat-list" aria-label={t("chat.conversations")}>
      <input
        ref={searchRef}
        className="input"
        type="search"
        data-testid="chat-search"
        placeholder={t("chat.search")}
        value={query}
        onChange={(e) => void refresh(e.target.value)}
      />
      <div className="chat-new">
        <select
          className="select"
          data-testid="chat-persona"
          aria-label={t("chat.persona")}
          value={persona}
          onChange={(e) => {
            setPersona(e.target.value);
            setForm({});
          }}
        >
          <option value="">{t("chat.noPersona")}</option>
          {shown.map((p) => (
            <option key={`${p.id}-${p.language}`} value={p.id}>
              {p.name}
            </option>
          ))}
        </select>
        <button
          type="button"
          className="button button-primary"
          data-testid="chat-new"
          title={t("chat.newHint")}
          onClick={() => void newChat(persona || null, language, toValues(variables, filled))}
        >
          {t("chat.new")}
        </button>
      </div>
      {variables.length > 0 && (
        <div className="chat-persona-form">
          <VariableForm variables={variables} values={filled} onChange={setForm} testId="persona-var" />
        </div>
      )}
      <ul className="chat-conversations">
        {list.map((c) => (
          <li key={c.id} className={c.id === current ? "current" : undefined} data-testid={`conversation-${String(c.id)}`}>
            {renaming?.id === c.id ? (
              <form
                onSubmit={(e) => {
                  e.preventDefault();
                  void rename(c.id, renaming.title);
                  setRenaming(null);
                }}
              >
                <input
                  className="input"
                  data-testid="conversation-rename-input"
                  autoFocus
                  value={renaming.title}
                  onChange={(e) => {
                    setRenaming({ id: c.id, title: e.target.value });
                  }}
                  onKeyDown={(e) => {
                    if (e.key === "Escape") {
                      e.stopPropagation();
                      setRenaming(null);
                    }
                  }}
                />
              </form>
            ) : (
              <button type="button" className="chat-conversation" onClick={() => void open(c.id)}>
                {c.pinned && <span className="chat-pin-mark">📌</span>}
                <span className="chat-conversation-title">{c.title || t("chat.untitled")}</span>
              </button>
            )}
            <span className="chat-conversation-actions">
              <button
                type="button"
                className="button-quiet chat-icon-button"
                data-testid={`conversation-pin-${String(c.id)}`}
                title={c.pinned ? t("chat.unpin") : t("chat.pin")}
                onClick={() => void pin(c.id, !c.pinned)}
              >
                {c.pinned ? "◆" : "◇"}
              </button>
              <button
                type="button"
                className="button-quiet chat-icon-button"
                data-testid={`conversation-rename-${String(c.id)}`}
                title={t("chat.rename")}
                onClick={() => {
                  setRenaming({ id: c.id, title: c.title });
                }}
              >
                ✎
              </button>
              <button
                type="button"
                className="button-quiet chat-icon-button"
                data-testid={`conversation-delete-${String(c.id)}`}
                title={t("chat.delete")}
                onClick={() => void remove(c.id)}
              >
                ✕
              </button>
            </span>
          </li>
        ))}
      </ul>
      <label className="button chat-import">
        {t("chat.import")}
        <input type="file" accept=".json,application/json" data-testid="chat-import" onChange={(e) => void onImport(e)} />
      </label>
    </aside>
  );
}
