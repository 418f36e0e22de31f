-- Topics: sections of the site the operator defines, filled by a rule (a keyword or regular
-- expression, or a source category) and by hand. Sources can carry categories.

ALTER TABLE sources ADD COLUMN categories TEXT;

CREATE TABLE topics (
    id           INTEGER PRIMARY KEY,
    slug         TEXT    NOT NULL UNIQUE,
    name         TEXT    NOT NULL,
    description  TEXT    NOT NULL DEFAULT '',
    -- `keyword` or `regex` on `rule_field`, or `category` (a source category); NULL: by hand only.
    rule_kind    TEXT,
    rule_field   TEXT,
    rule_pattern TEXT,
    created_at   BIGINT  NOT NULL
);

CREATE TABLE topic_articles (
    topic_id   BIGINT NOT NULL REFERENCES topics (id) ON DELETE CASCADE,
    article_id BIGINT NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    by_hand    BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (topic_id, article_id)
);
CREATE INDEX topic_articles_by_article ON topic_articles (article_id);
