-- A story's full-coverage page lists the original, then the copies, then the other reports, a
-- page at a time: with whether each article is a copy in the index, a page of a story of
-- thousands is ordered from the index alone. The old index is a prefix of this one (an
-- article page's coverage, in time order, still reads it).
CREATE INDEX articles_by_story_time_copies ON articles (story_id, published_at, id, duplicate_of);
DROP INDEX articles_by_story_time;
