-- Each item keeps its own language (BCP 47 tag from the feed: xml:lang, the feed's language or
-- the server's Content-Language), so pages mark it up for readers and screen readers.
ALTER TABLE articles ADD COLUMN language TEXT;
