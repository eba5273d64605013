import { useState } from "react";
import { useTranslation } from "react-i18next";
import type { ConversationView } from "../ipc";
import { useChatStore } from "./chatStore";
import { SettingsPanel } from "./SettingsPanel";

export function ChatHeader({ view }: { view: ConversationView }) {
  const { t } = useTranslation();
  const { exportTo } = useChatStore.getState();
  const [panel, setPanel] = useState<"none" | "settings" | "export">("none");
  const { context, conversation } = view;
  const over = context.dropped.length > 0;
  return (
    <div className="chat-header">
      <div className="chat-header-row">
        <h2 className="chat-title" data-testid="chat-title">
          {conversation.title || t("chat.untitled")}
        </h2>
        <span className={`chat-meter${over ? " over" : ""}`} data-testid="context-meter" title={t("chat.meterHint")}>
          {t("chat.tokens", { used: context.totalTokens, budget: context.budget })}
          {over && ` · ${t("chat.leftOut", { count: context.dropped.length })}`}
        </span>
        <button
          type="button"
          className="button"
          data-testid="chat-settings-toggle"
          aria-expanded={panel === "settings"}
          onClick={() => {
            setPanel(panel === "settings" ? "none" : "settings");
          }}
        >
          {t("chat.settings")}
        </button>
        <button
          type="button"
          className="button"
          data-testid="chat-export-toggle"
          aria-expanded={panel === "export"}
          onClick={() => {
            setPanel(panel === "export" ? "none" : "export");
          }}
        >
          {t("chat.export")}
        </button>
      </div>
      {panel === "export" && (
        <div className="chat-export" data-testid="chat-export">
          {(["branch", "tree"] as const).map((scope) =>
            (["markdown", "json"] as const).map((format) => (
              <button
                key={`${scope}-${format}`}
                type="button"
                className="button"
                data-testid={`chat-export-${scope}-${format}`}
                onClick={() => {
                  void exportTo(scope, format);
                  setPanel("none");
                }}
              >
                {t(`chat.export_${scope}_${format}`)}
              </button>
            )),
          )}
        </div>
      )}
      {panel === "settings" && (
        <SettingsPanel
          key={conversation.id}
          settings={conversation.settings}
          onClose={() => {
            setPanel("none");
          }}
        />
      )}
    </div>
  );
}
