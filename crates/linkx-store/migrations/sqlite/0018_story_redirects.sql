-- Stories merged into another (a report bridged two fragments of one event): the address of
-- the story merged away leads to the one it became part of.
CREATE TABLE story_redirects (
    from_id BIGINT PRIMARY KEY,
    to_id   BIGINT NOT NULL
);
CREATE INDEX story_redirects_to ON story_redirects (to_id);
