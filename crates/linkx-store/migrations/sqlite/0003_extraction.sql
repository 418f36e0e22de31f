-- What happened when the article page was fetched for its full text: NULL (not tried: the feed
-- carried enough), 'ok', 'paywall', 'consent_wall', 'not_article', or 'failed: <reason>'.
ALTER TABLE articles ADD COLUMN extraction TEXT;
