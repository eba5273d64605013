import { useVirtualizer } from "@tanstack/react-virtual";
import { useEffect, useMemo, useRef } from "react";
import type { ConversationView, Message } from "../ipc";
import { useChatStore } from "./chatStore";
import { MessageItem } from "./MessageItem";

/** The branch on screen, virtualized: only the rows in view are in the DOM. */
export function MessageList({ view }: { view: ConversationView }) {
  const streaming = useChatStore((s) => s.streaming);
  const scrollRef = useRef<HTMLDivElement>(null);
  const stick = useRef(true);

  const { rows, siblings } = useMemo(() => {
    const byId = new Map<number, Message>(view.messages.map((m) => [m.id, m]));
    const children = new Map<number | null, number[]>();
    for (const m of view.messages) {
      const list = children.get(m.parentId) ?? [];
      list.push(m.id);
      children.set(m.parentId, list);
    }
    const rows = view.branch.map((id) => byId.get(id)).filter((m): m is Message => m !== undefined);
    const siblings = new Map<number, number[]>(rows.map((m) => [m.id, children.get(m.parentId) ?? [m.id]]));
    return { rows, siblings };
  }, [view]);
  const dropped = useMemo(() => new Set(view.context.dropped), [view.context.dropped]);

  // The virtualizer's functions are only called here, never handed to memoized children.
  // eslint-disable-next-line react-hooks/incompatible-library
  const virtualizer = useVirtualizer({
    count: rows.length,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => 140,
    overscan: 6,
    getItemKey: (index) => rows[index]?.id ?? index,
  });

  // Follow the end of the conversation while it grows, unless the person
  // scrolled up to read.
  useEffect(() => {
    if (stick.current && rows.length > 0) virtualizer.scrollToIndex(rows.length - 1, { align: "end" });
  }, [rows.length, streaming?.text, virtualizer]);

  return (
    <div
      ref={scrollRef}
      className="chat-messages"
      data-testid="chat-messages"
      onScroll={(e) => {
        const el = e.currentTarget;
        stick.current = el.scrollHeight - el.scrollTop - el.clientHeight < 80;
      }}
    >
      <div className="chat-messages-inner" ref={(el) => {
          if (el) sizeTo(el, virtualizer.getTotalSize());
        }}>
        {virtualizer.getVirtualItems().map((item) => {
          const message = rows[item.index];
          if (!message) return null;
          const live = streaming?.messageId === message.id ? streaming : null;
          return (
            <div
              key={item.key}
              data-index={item.index}
              ref={(el) => {
                if (el) {
                  placeAt(el, item.start);
                  virtualizer.measureElement(el);
                }
              }}
              className="chat-row"
            >
              <MessageItem
                message={message}
                siblings={siblings.get(message.id) ?? [message.id]}
                live={live}
                dropped={dropped.has(message.id)}
              />
            </div>
          );
        })}
      </div>
    </div>
  );
}

// Sizes and offsets go through the CSSOM: the CSP allows no inline styles.
function sizeTo(el: HTMLElement, height: number) {
  el.style.height = `${String(height)}px`;
}

function placeAt(el: HTMLElement, top: number) {
  el.style.transform = `translateY(${String(top)}px)`;
}
