import { useEffect, useRef } from "react";
import { useTranslation } from "react-i18next";
import { EmptyState } from "../ui/EmptyState";
import { ChatIcon } from "../ui/icons";
import { Page } from "../ui/Page";
import { ChatHeader } from "./ChatHeader";
import { useChatStore } from "./chatStore";
import { Composer } from "./Composer";
import { ConversationList } from "./ConversationList";
import { MessageList } from "./MessageList";
import { NoticeBar } from "./NoticeBar";
import { RequestDialog } from "./RequestDialog";
import "./Chat.css";

export function ChatPage() {
  const { t, i18n } = useTranslation();
  const view = useChatStore((s) => s.view);
  const refresh = useChatStore((s) => s.refresh);
  const searchRef = useRef<HTMLInputElement>(null);

  useEffect(() => {
    void refresh();
  }, [refresh]);

  // Page-wide keys: Esc stops, Ctrl/Cmd+K searches, Ctrl/Cmd+N starts a chat.
  useEffect(() => {
    function onKey(event: KeyboardEvent) {
      const store = useChatStore.getState();
      const mod = event.ctrlKey || event.metaKey;
      if (event.key === "Escape" && store.streaming) {
        event.preventDefault();
        void store.stop();
      } else if (mod && event.key.toLowerCase() === "k") {
        event.preventDefault();
        searchRef.current?.focus();
      } else if (mod && event.key.toLowerCase() === "n") {
        event.preventDefault();
        void store.newChat(null, i18n.language);
      }
    }
    window.addEventListener("keydown", onKey);
    return () => {
      window.removeEventListener("keydown", onKey);
    };
  }, [i18n.language]);

  return (
    <Page id="chat">
      <div className="chat" data-testid="chat">
        <ConversationList searchRef={searchRef} />
        <div className="chat-main">
          {view ? (
            <>
              <ChatHeader view={view} />
              <MessageList view={view} />
            </>
          ) : (
            <div className="chat-empty">
              <EmptyState icon={<ChatIcon />} title={t("pages.chat.emptyTitle")} body={t("pages.chat.emptyBody")} />
            </div>
          )}
          <NoticeBar />
          <Composer />
        </div>
      </div>
      <RequestDialog />
    </Page>
  );
}
