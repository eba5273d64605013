-- Prompt templates written or imported by the person, and their edits of
-- built-in templates (a row with a built-in's id and language overrides it;
-- deleting the row resets it). Each row is the whole template file, front
-- matter and body, exactly as saved, so exporting gives back the same text.
CREATE TABLE templates (
    id         TEXT NOT NULL,
    language   TEXT NOT NULL,
    source     TEXT NOT NULL,
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    PRIMARY KEY (id, language)
) STRICT, WITHOUT ROWID;
