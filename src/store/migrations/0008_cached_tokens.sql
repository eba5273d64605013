-- Prompt tokens that were not processed again: a local model's reused
-- prefix, or a provider's prompt cache. NULL when nobody said.
ALTER TABLE generations ADD COLUMN cached_tokens INTEGER;
