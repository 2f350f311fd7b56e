-- Per-language tags of curated sets and option packs (tagsDe ... tagsUk):
-- an object of lists by language. The old tags column stays and keeps the
-- English list, so rows written before this (and replicas of the previous
-- version during a rolling upgrade) still read as they did.
ALTER TABLE curated_sets ADD COLUMN tags_i18n TEXT NOT NULL DEFAULT '{}';
ALTER TABLE option_packs ADD COLUMN tags_i18n TEXT NOT NULL DEFAULT '{}';
