-- Takedowns that stay down. `blocks` is what later polls must never store again; `takedowns`
-- remembers each removed article so its address answers 410 Gone, with the reason on record.

CREATE TABLE blocks (
    id         INTEGER PRIMARY KEY,
    kind       TEXT    NOT NULL,
    value      TEXT    NOT NULL,
    reason     TEXT    NOT NULL,
    created_by TEXT    NOT NULL,
    created_at BIGINT  NOT NULL,
    UNIQUE (kind, value)
);

CREATE TABLE takedowns (
    article_id BIGINT  PRIMARY KEY,
    url        TEXT    NOT NULL,
    title      TEXT    NOT NULL,
    reason     TEXT    NOT NULL,
    created_by TEXT    NOT NULL,
    created_at BIGINT  NOT NULL
);

-- Curation: a story can be pinned until a time, get an edited headline, or be hidden.
ALTER TABLE stories ADD COLUMN pinned_until BIGINT;
ALTER TABLE stories ADD COLUMN headline TEXT;
ALTER TABLE stories ADD COLUMN hidden BIGINT NOT NULL DEFAULT 0;
