-- Every model call, from any front end: what was sent, what came back, and
-- how it ended. A row starts as 'streaming' and is finished in place.
CREATE TABLE generations (
    id                INTEGER PRIMARY KEY,
    kind              TEXT NOT NULL,
    backend_id        INTEGER REFERENCES backends (id) ON DELETE SET NULL,
    -- kept so history still names the backend after it is deleted
    backend_name      TEXT,
    model             TEXT,
    params            TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(params)),
    -- the messages (JSON) or raw prompt text exactly as sent
    prompt            TEXT NOT NULL,
    status            TEXT NOT NULL DEFAULT 'streaming'
        CHECK (status IN ('streaming', 'done', 'cancelled', 'error', 'interrupted')),
    error             TEXT,
    prompt_tokens     INTEGER,
    completion_tokens INTEGER,
    tokens_estimated  INTEGER NOT NULL DEFAULT 0 CHECK (tokens_estimated IN (0, 1)),
    ttft_ms           INTEGER,
    total_ms          INTEGER,
    created_at        TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    finished_at       TEXT
) STRICT;

CREATE INDEX generations_by_created ON generations (created_at);

-- One row per choice (n > 1 gives several), appended to while streaming.
CREATE TABLE generation_choices (
    generation_id INTEGER NOT NULL REFERENCES generations (id) ON DELETE CASCADE,
    idx           INTEGER NOT NULL,
    text          TEXT NOT NULL DEFAULT '',
    reasoning     TEXT NOT NULL DEFAULT '',
    finish_reason TEXT,
    PRIMARY KEY (generation_id, idx)
) STRICT, WITHOUT ROWID;
