-- Best-match search runs on a second index beside this file (the data
-- folder's `search-index`, see history/ranked), a cache that can be rebuilt
-- from `generation_search` at any time. This log tells it what changed
-- since it last caught up: every search key written or removed, in order.
-- The index records the last sequence number it applied in its own
-- commits, so a crash on either side loses nothing; it then prunes what it
-- applied. AUTOINCREMENT: numbers are never reused once pruned.
CREATE TABLE search_log (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    key INTEGER NOT NULL
) STRICT;

CREATE TRIGGER search_log_insert AFTER INSERT ON generation_search BEGIN
    INSERT INTO search_log (key) VALUES (new.key);
END;
CREATE TRIGGER search_log_delete AFTER DELETE ON generation_search BEGIN
    INSERT INTO search_log (key) VALUES (old.key);
END;
CREATE TRIGGER search_log_update AFTER UPDATE ON generation_search BEGIN
    INSERT INTO search_log (key) VALUES (old.key);
    INSERT INTO search_log (key) SELECT new.key WHERE new.key <> old.key;
END;
