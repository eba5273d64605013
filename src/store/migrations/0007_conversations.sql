-- Chat conversations. Messages form a tree (parent_id): regenerating or
-- editing adds a sibling, nothing is overwritten. head_id is the leaf of the
-- branch on screen. deleted_at hides a conversation until the undo window
-- passes; it is purged on a later start.
CREATE TABLE conversations (
    id             INTEGER PRIMARY KEY,
    title          TEXT NOT NULL,
    pinned         INTEGER NOT NULL DEFAULT 0 CHECK (pinned IN (0, 1)),
    -- backend name; NULL uses the default backend
    backend        TEXT,
    -- empty: the backend's default model
    model          TEXT NOT NULL DEFAULT '',
    params         TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(params)),
    system_prompt  TEXT NOT NULL DEFAULT '',
    -- the template (persona) the conversation started from, if any
    persona        TEXT,
    context_tokens INTEGER NOT NULL DEFAULT 8192 CHECK (context_tokens > 0),
    head_id        INTEGER,
    created_at     TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at     TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    deleted_at     TEXT
) STRICT;

CREATE INDEX conversations_by_updated ON conversations (updated_at);

CREATE TABLE messages (
    id              INTEGER PRIMARY KEY,
    conversation_id INTEGER NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    parent_id       INTEGER REFERENCES messages (id) ON DELETE CASCADE,
    role            TEXT NOT NULL CHECK (role IN ('system', 'user', 'assistant')),
    content         TEXT NOT NULL DEFAULT '',
    reasoning       TEXT NOT NULL DEFAULT '',
    status          TEXT NOT NULL DEFAULT 'done'
        CHECK (status IN ('streaming', 'done', 'cancelled', 'error', 'interrupted')),
    error           TEXT,
    -- pinned messages are always sent, whatever the context window
    pinned          INTEGER NOT NULL DEFAULT 0 CHECK (pinned IN (0, 1)),
    -- the model call that wrote an assistant message (history links back)
    generation_id   INTEGER REFERENCES generations (id) ON DELETE SET NULL,
    created_at      TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
) STRICT;

CREATE INDEX messages_by_conversation ON messages (conversation_id, parent_id);
CREATE INDEX messages_by_generation ON messages (generation_id);
