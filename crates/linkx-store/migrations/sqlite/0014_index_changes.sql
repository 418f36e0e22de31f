-- Articles whose search document changed (stored, updated, shortened by retention or removed),
-- in order: every process that keeps its own search index follows this log from where it last
-- read. Only the newest entries are kept; a follower that fell further behind rebuilds.
CREATE TABLE index_changes (
    seq        INTEGER PRIMARY KEY,
    article_id BIGINT  NOT NULL
);
