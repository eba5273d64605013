-- History: what a person keeps and finds again among all generations.
-- Favourites and tags mark generations; a source link ties one to the
-- conversation message, story revision or translation segment it produced;
-- `rerun_of` ties a re-run to the generation it repeats. Tokens per second
-- are derived (completion tokens over the time after the first token), so
-- they are not stored.
ALTER TABLE generations ADD COLUMN favourite INTEGER NOT NULL DEFAULT 0 CHECK (favourite IN (0, 1));
ALTER TABLE generations ADD COLUMN source_kind TEXT CHECK (source_kind IN ('message', 'revision', 'segment'));
ALTER TABLE generations ADD COLUMN source_id INTEGER;
ALTER TABLE generations ADD COLUMN rerun_of INTEGER REFERENCES generations (id) ON DELETE SET NULL;

-- The history list pages newest first through this index and filters on
-- its columns without reading the rows, whose prompts can be long (and
-- whose later columns then sit behind overflow pages); statistics read the
-- index alone. It starts with created_at, so it replaces the old index.
DROP INDEX generations_by_created;
CREATE INDEX generations_timeline ON generations (
    created_at, id, kind, backend_name, model, status, favourite,
    prompt_tokens, completion_tokens, ttft_ms, total_ms
);
-- One filter each, in date order; they also list the distinct values
-- (filter chips) by seeking from one value to the next.
CREATE INDEX generations_by_kind ON generations (kind, created_at);
CREATE INDEX generations_by_model ON generations (model, created_at);
CREATE INDEX generations_by_backend_name ON generations (backend_name, created_at);
CREATE INDEX generations_favourites ON generations (created_at) WHERE favourite = 1;
-- Foreign keys look children up: without these, deleting a generation or a
-- backend would read the whole table.
CREATE INDEX generations_reruns ON generations (rerun_of);
CREATE INDEX generations_by_backend ON generations (backend_id);

CREATE TABLE generation_tags (
    generation_id INTEGER NOT NULL REFERENCES generations (id) ON DELETE CASCADE,
    tag           TEXT NOT NULL CHECK (length(tag) BETWEEN 1 AND 64),
    PRIMARY KEY (generation_id, tag)
) STRICT, WITHOUT ROWID;
CREATE INDEX generation_tags_by_tag ON generation_tags (tag, generation_id);

-- The text search indexes: prompt (message contents, no roles) and output
-- (every choice, then reasoning), with each Chinese, Japanese or Korean
-- character set apart (by U+001F) so that unicode61 makes it a token and a
-- phrase of characters finds any substring, two characters included. This
-- differs from the stored text, so it is kept here: FTS5 reads it back for
-- snippets and needs the same values to delete. A row is written once, when
-- its generation ends (done, cancelled, error or interrupted), never while
-- it streams. `key` orders the index by creation time (milliseconds << 10,
-- then the id's low bits), so newest-first search walks the index in order
-- and stops after one page, imports included.
CREATE TABLE generation_search (
    key           INTEGER PRIMARY KEY,
    generation_id INTEGER NOT NULL UNIQUE REFERENCES generations (id) ON DELETE CASCADE,
    prompt        TEXT NOT NULL,
    output        TEXT NOT NULL
) STRICT;

CREATE VIRTUAL TABLE generation_fts USING fts5 (
    prompt, output,
    content = 'generation_search', content_rowid = 'key',
    tokenize = 'unicode61 remove_diacritics 2'
);

-- Segments are merged off the write path (store/maintenance.rs), not in
-- the write that adds one.
INSERT INTO generation_fts (generation_fts, rank) VALUES ('automerge', 0);

-- External content stays in step through FTS5's 'delete' command, which
-- needs the values that were indexed.
CREATE TRIGGER generation_search_insert AFTER INSERT ON generation_search BEGIN
    INSERT INTO generation_fts (rowid, prompt, output) VALUES (new.key, new.prompt, new.output);
END;
CREATE TRIGGER generation_search_delete AFTER DELETE ON generation_search BEGIN
    INSERT INTO generation_fts (generation_fts, rowid, prompt, output)
    VALUES ('delete', old.key, old.prompt, old.output);
END;
CREATE TRIGGER generation_search_update AFTER UPDATE ON generation_search BEGIN
    INSERT INTO generation_fts (generation_fts, rowid, prompt, output)
    VALUES ('delete', old.key, old.prompt, old.output);
    INSERT INTO generation_fts (rowid, prompt, output) VALUES (new.key, new.prompt, new.output);
END;
