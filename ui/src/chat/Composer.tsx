import { useState } from "react";
import type { KeyboardEvent } from "react";
import { useTranslation } from "react-i18next";
import { useChatStore } from "./chatStore";

/** Enter sends, Shift+Enter is a new line, ↑ in an empty box edits the last message. */
export function Composer() {
  const { t } = useTranslation();
  const streaming = useChatStore((s) => s.streaming !== null);
  const { send, stop } = useChatStore.getState();
  const [text, setText] = useState("");

  function submit() {
    if (streaming || text.trim() === "") return;
    const message = text;
    setText("");
    void send(message);
  }

  function onKeyDown(event: KeyboardEvent<HTMLTextAreaElement>) {
    if (event.key === "Enter" && !event.shiftKey && !event.nativeEvent.isComposing) {
      event.preventDefault();
      submit();
    } else if (event.key === "ArrowUp" && text === "") {
      const { view, setEditing } = useChatStore.getState();
      if (!view) return;
      const lastUser = [...view.branch]
        .reverse()
        .find((id) => view.messages.find((m) => m.id === id)?.role === "user");
      if (lastUser !== undefined) {
        event.preventDefault();
        setEditing(lastUser);
      }
    }
  }

  return (
    <div className="chat-composer">
      <textarea
        className="input"
        data-testid="chat-input"
        rows={3}
        placeholder={t("chat.placeholder")}
        value={text}
        onChange={(e) => {
          setText(e.target.value);
        }}
        onKeyDown={onKeyDown}
      />
      {streaming ? (
        <button type="button" className="button button-danger" data-testid="chat-stop" onClick={() => void stop()}>
          {t("chat.stop")}
        </button>
      ) : (
        <button
          type="button"
          className="button button-primary"
          data-testid="chat-send"
          disabled={text.trim() === ""}
          onClick={submit}
        >
          {t("chat.send")}
        </button>
      )}
    </div>
  );
}
