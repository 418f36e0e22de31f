-- The operator's include/exclude rules, per source (source_id) or site-wide (NULL).
CREATE TABLE rules (
    id         INTEGER PRIMARY KEY,
    source_id  BIGINT  REFERENCES sources (id) ON DELETE CASCADE,
    action     TEXT    NOT NULL,
    field      TEXT    NOT NULL,
    kind       TEXT    NOT NULL,
    pattern    TEXT    NOT NULL,
    created_by TEXT    NOT NULL,
    created_at BIGINT  NOT NULL
);
