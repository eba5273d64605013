import { memo, useState } from "react";
import { useTranslation } from "react-i18next";
import type { Message } from "../ipc";
import { useChatStore } from "./chatStore";
import type { Streaming } from "./chatStore";
import { Markdown } from "./markdown/Markdown";

type Props = {
  message: Message;
  siblings: number[];
  live: Streaming | null;
  dropped: boolean;
};

export const MessageItem = memo(function MessageItem({ message, siblings, live, dropped }: Props) {
  const { t } = useTranslation();
  const editing = useChatStore((s) => s.editing === message.id);
  const busy = useChatStore((s) => s.streaming !== null);
  const store = useChatStore.getState();
  const content = live ? live.text : message.content;
  const reasoning = live ? live.reasoning : message.reasoning;
  const status = live ? "streaming" : message.status;
  const position = siblings.indexOf(message.id);
  const id = String(message.id);

  return (
    <article
      className={`chat-message chat-message-${message.role}${dropped ? " dropped" : ""}`}
      data-testid={`message-${id}`}
      data-role={message.role}
      data-status={status}
    >
      <header className="chat-message-head">
        <span className="chat-role">{t(`chat.role_${message.role}`)}</span>
        {status !== "done" && (
          <span className={`chat-status chat-status-${status}`} data-testid="message-status">
            {t(`chat.status_${status}`)}
          </span>
        )}
        {message.pinned && <span className="chat-badge">{t("chat.pinned")}</span>}
        {dropped && (
          <span className="chat-badge" data-testid="message-dropped">
            {t("chat.notSent")}
          </span>
        )}
        {siblings.length > 1 && (
          <span className="chat-siblings" data-testid="message-siblings">
            <button
              type="button"
              className="button-quiet chat-icon-button"
              data-testid="sibling-prev"
              aria-label={t("chat.previous")}
              disabled={busy || position <= 0}
              onClick={() => void store.switchTo(siblings[position - 1] ?? message.id)}
            >
              ‹
            </button>
            <span data-testid="sibling-position">
              {position + 1}/{siblings.length}
            </span>
            <button
              type="button"
              className="button-quiet chat-icon-button"
              data-testid="sibling-next"
              aria-label={t("chat.next")}
              disabled={busy || position >= siblings.length - 1}
              onClick={() => void store.switchTo(siblings[position + 1] ?? message.id)}
            >
              ›
            </button>
          </span>
        )}
      </header>
      {reasoning !== "" && (
        <details className="chat-reasoning" data-testid="message-reasoning">
          <summary>{t("chat.reasoning")}</summary>
          <Markdown text={reasoning} />
        </details>
      )}
      {editing ? (
        <EditBox message={message} />
      ) : message.role === "user" ? (
        <p className="chat-user-text" data-testid="message-content">
          {content}
        </p>
      ) : (
        <div data-testid="message-content">
          <Markdown text={content} />
          {status === "streaming" && <span className="chat-caret" aria-hidden="true" />}
        </div>
      )}
      {message.error && <p className="chat-error">{message.error}</p>}
      <footer className="chat-message-actions">
        <button
          type="button"
          className="button-quiet"
          data-testid="message-copy"
          onClick={() => void navigator.clipboard.writeText(content).catch(() => undefined)}
        >
          {t("chat.copy")}
        </button>
        {message.role === "assistant" && (
          <button
            type="button"
            className="button-quiet"
            data-testid="message-regenerate"
            disabled={busy}
            onClick={() => void store.regenerate(message.id)}
          >
            {t("chat.regenerate")}
          </button>
        )}
        {message.role === "user" && (
          <button
            type="button"
            className="button-quiet"
            data-testid="message-edit"
            disabled={busy}
            onClick={() => {
              store.setEditing(message.id);
            }}
          >
            {t("chat.edit")}
          </button>
        )}
        <button
          type="button"
          className="button-quiet"
          data-testid="message-pin"
          onClick={() => void store.pinMessage(message.id, !message.pinned)}
        >
          {message.pinned ? t("chat.unpinMessage") : t("chat.pinMessage")}
        </button>
        {message.generationId !== null && (
          <button
            type="button"
            className="button-quiet"
            data-testid="message-request"
            onClick={() => void store.showRequest(message.id)}
            title={t("chat.generation", { id: message.generationId })}
          >
            {t("chat.showSent")}
          </button>
        )}
        <button
          type="button"
          className="button-quiet"
          data-testid="message-delete"
          disabled={busy}
          onClick={() => void store.deleteBranch(message.id)}
        >
          {t("chat.deleteBranch")}
        </button>
      </footer>
    </article>
  );
});

function EditBox({ message }: { message: Message }) {
  const { t } = useTranslation();
  const store = useChatStore.getState();
  const [text, setText] = useState(message.content);
  return (
    <form
      className="chat-edit"
      onSubmit={(e) => {
        e.preventDefault();
        if (text.trim() !== "") void store.edit(message.id, text);
      }}
    >
      <textarea
        className="input"
        data-testid="message-edit-input"
        rows={3}
        autoFocus
        value={text}
        onChange={(e) => {
          setText(e.target.value);
        }}
        onKeyDown={(e) => {
          if (e.key === "Enter" && !e.shiftKey) {
            e.preventDefault();
            if (text.trim() !== "") void store.edit(message.id, text);
          } else if (e.key === "Escape") {
            e.stopPropagation();
            store.setEditing(null);
          }
        }}
      />
      <div className="chat-edit-actions">
        <button
          type="button"
          className="button"
          onClick={() => {
            store.setEditing(null);
          }}
        >
          {t("chat.cancel")}
        </button>
        <button type="submit" className="button button-primary" data-testid="message-edit-send">
          {t("chat.resend")}
        </button>
      </div>
    </form>
  );
}
