-- The process that streams a generation, so that the next start can tell a
-- generation still streaming in another live process (the app while the CLI
-- runs) from one whose process died mid-stream, which becomes 'interrupted'.
ALTER TABLE generations ADD COLUMN owner_pid INTEGER;

CREATE INDEX generations_streaming ON generations (status) WHERE status = 'streaming';
