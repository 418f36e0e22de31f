-- Readers' comments, and the site's signing keys.
--
-- author_email is kept for reply notifications only: no query that feeds a page, a feed or the
-- API selects it. author_key is a keyed hash of the address (identicons, "is this commenter
-- known", the author's own held comments); ip_hash a keyed hash of the address, cleared after
-- 30 days.

CREATE TABLE site_secrets (
    name  TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE comments (
    id            INTEGER PRIMARY KEY,
    article_id    BIGINT  NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    parent_id     BIGINT  REFERENCES comments (id) ON DELETE SET NULL,
    depth         BIGINT  NOT NULL DEFAULT 1,
    author_name   TEXT    NOT NULL,
    author_email  TEXT    NOT NULL,
    author_key    TEXT    NOT NULL,
    author_url    TEXT,
    avatar_hash   TEXT,
    body_md       TEXT    NOT NULL,
    body_html     TEXT    NOT NULL,
    status        TEXT    NOT NULL,
    held_reason   TEXT,
    notify        BIGINT  NOT NULL DEFAULT 0,
    ip_hash       TEXT,
    created_at    BIGINT  NOT NULL,
    edited_at     BIGINT
);
CREATE INDEX comments_by_article ON comments (article_id, id);
CREATE INDEX comments_by_status ON comments (status, id DESC);
CREATE INDEX comments_by_author ON comments (author_key, created_at DESC);
CREATE INDEX comments_by_ip ON comments (ip_hash, created_at DESC);
