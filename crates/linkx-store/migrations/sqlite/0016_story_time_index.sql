-- A story's articles in time order straight from the index: an article page lists the first 200
-- of its story's coverage without sorting a story of thousands (the old index on story_id alone
-- is a prefix of this one).
CREATE INDEX articles_by_story_time ON articles (story_id, published_at, id);
DROP INDEX articles_by_story;
