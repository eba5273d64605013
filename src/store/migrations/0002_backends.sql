-- Model backends (OpenAI-compatible servers, the local engine). Secrets such
-- as API keys never live here: they stay in the OS keychain.
CREATE TABLE backends (
    id            INTEGER PRIMARY KEY,
    name          TEXT NOT NULL UNIQUE,
    kind          TEXT NOT NULL,
    base_url      TEXT,
    default_model TEXT,
    -- headers, proxy, timeouts, concurrency: the backend's own JSON object
    config        TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(config)),
    created_at    TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at    TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
) STRICT;
