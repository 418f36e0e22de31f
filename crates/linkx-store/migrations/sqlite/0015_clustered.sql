-- Whether the story stage has placed an article (0 from its storing until its assignment is
-- written). A worker's clustering engine adds the articles other workers placed, and only those.
ALTER TABLE articles ADD COLUMN clustered BIGINT NOT NULL DEFAULT 1;
