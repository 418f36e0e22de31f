//! The curated default sources a new site starts with when it has no configuration file:
//! public international news feeds, all editable afterwards (`linkx source remove`, `linkx.toml`).

pub const DEFAULT_SOURCES: [(&str, &str); 10] = [
    (
        "BBC News — World",
        "https://feeds.bbci.co.uk/news/world/rss.xml",
    ),
    (
        "The Guardian — World",
        "https://www.theguardian.com/world/rss",
    ),
    ("Al Jazeera", "https://www.aljazeera.com/xml/rss/all.xml"),
    ("NPR — World", "https://feeds.npr.org/1004/rss.xml"),
    ("Deutsche Welle", "https://rss.dw.com/rdf/rss-en-all"),
    ("France 24", "https://www.france24.com/en/rss"),
    (
        "The New York Times — World",
        "https://rss.nytimes.com/services/xml/rss/nyt/World.xml",
    ),
    (
        "CBC News — World",
        "https://www.cbc.ca/webfeed/rss/rss-world",
    ),
    (
        "ABC News (Australia)",
        "https://www.abc.net.au/news/feed/51120/rss.xml",
    ),
    (
        "UN News",
        "https://news.un.org/feed/subscribe/en/news/all/rss.xml",
    ),
];
