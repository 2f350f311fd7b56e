-- Curated sets, option packs, suggestions: the reads they need.
-- Anonymous lists read published curated sets only.
CREATE INDEX curated_sets_published ON curated_sets(published, id);
-- Curators list suggestions of one type, oldest first.
CREATE INDEX suggestions_type_created ON suggestions(type, created_at);
-- Deleting a user cascades to their suggestions.
CREATE INDEX suggestions_user ON suggestions(user_id);
