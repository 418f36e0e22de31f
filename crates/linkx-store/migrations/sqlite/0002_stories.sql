-- Stories: the clusters of articles covering one event, with their original and ranking.

ALTER TABLE articles ADD COLUMN duplicate_of BIGINT;

CREATE TABLE stories (
    id                  BIGINT  PRIMARY KEY,
    original_article_id BIGINT  NOT NULL,
    article_count       BIGINT  NOT NULL DEFAULT 1,
    source_count        BIGINT  NOT NULL DEFAULT 1,
    copy_count          BIGINT  NOT NULL DEFAULT 0,
    first_published_at  BIGINT  NOT NULL,
    last_published_at   BIGINT  NOT NULL,
    -- Recency plus breadth of coverage, computed by the pipeline; the home page sorts on it.
    rank_at             BIGINT  NOT NULL
);
CREATE INDEX stories_rank ON stories (rank_at DESC, id DESC);
CREATE INDEX articles_story_source ON articles (story_id, source_id);

-- Every existing article starts as its own story.
INSERT INTO stories (id, original_article_id, first_published_at, last_published_at, rank_at)
    SELECT COALESCE(story_id, id), id, published_at, published_at, published_at FROM articles;
UPDATE articles SET story_id = id WHERE story_id IS NULL;
