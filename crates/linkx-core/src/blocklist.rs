//! Takedowns that stay down: what the operator blocked, matched against every item before it is
//! stored. A block is an exact URL (compared by canonical key, so tracking parameters and `www.`
//! do not slip past), a URL pattern with `*` wildcards, or a whole domain with its subdomains.

use crate::urlnorm::canonical_key;
use url::Url;

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum BlockKind {
    Url,
    Pattern,
    Domain,
}

impl BlockKind {
    pub fn as_str(self) -> &'static str {
        match self {
            BlockKind::Url => "url",
            BlockKind::Pattern => "pattern",
            BlockKind::Domain => "domain",
        }
    }

    pub fn parse(s: &str) -> Option<BlockKind> {
        match s {
            "url" => Some(BlockKind::Url),
            "pattern" => Some(BlockKind::Pattern),
            "domain" => Some(BlockKind::Domain),
            _ => None,
        }
    }
}

/// One block as stored: `value` is a canonical key, a pattern or a lower-case domain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Block {
    pub kind: BlockKind,
    pub value: String,
}

impl Block {
    /// A block from what the operator typed: a domain (`example.org`), a URL, or a URL with `*`.
    pub fn domain(input: &str) -> Result<Block, String> {
        let domain = input
            .trim()
            .trim_start_matches("*.")
            .trim_end_matches('.')
            .to_ascii_lowercase();
        let valid = !domain.is_empty()
            && domain.contains('.')
            && domain
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.');
        if !valid {
            return Err(format!(
                "{input:?} is not a domain: give a host name such as example.org"
            ));
        }
        Ok(Block {
            kind: BlockKind::Domain,
            value: domain,
        })
    }

    pub fn url(input: &str) -> Result<Block, String> {
        let input = input.trim();
        if input.contains('*') {
            let probe = input.replace('*', "x");
            Url::parse(&probe).map_err(|e| format!("{input:?} is not a URL pattern: {e}"))?;
            return Ok(Block {
                kind: BlockKind::Pattern,
                value: input.to_string(),
            });
        }
        let url = Url::parse(input).map_err(|e| format!("{input:?} is not a URL: {e}"))?;
        Ok(Block {
            kind: BlockKind::Url,
            value: canonical_key(&url),
        })
    }

    /// Whether the item at `url` falls under this block.
    pub fn matches(&self, url: &Url) -> bool {
        match self.kind {
            BlockKind::Url => canonical_key(url) == self.value,
            BlockKind::Domain => url.host_str().is_some_and(|host| {
                let host = host.to_ascii_lowercase();
                let host = host.strip_prefix("www.").unwrap_or(&host);
                host == self.value || host.ends_with(&format!(".{}", self.value))
            }),
            BlockKind::Pattern => glob(&self.value, url.as_str()),
        }
    }
}

/// `*` matches any run of characters; everything else literally (ASCII case-insensitive).
fn glob(pattern: &str, text: &str) -> bool {
    let (p, t) = (pattern.to_ascii_lowercase(), text.to_ascii_lowercase());
    let parts: Vec<&str> = p.split('*').collect();
    let mut rest = t.as_str();
    for (i, part) in parts.iter().enumerate() {
        if i == 0 {
            match rest.strip_prefix(part) {
                Some(r) => rest = r,
                None => return false,
            }
        } else if i == parts.len() - 1 {
            return rest.ends_with(part);
        } else {
            match rest.find(part) {
                Some(at) => rest = &rest[at + part.len()..],
                None => return false,
            }
        }
    }
    rest.is_empty()
}

/// Every block of a site.
#[derive(Debug, Clone, Default)]
pub struct Blocklist(pub Vec<Block>);

impl Blocklist {
    pub fn blocks(&self, url: &Url) -> bool {
        self.0.iter().any(|b| b.matches(url))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn u(s: &str) -> Url {
        Url::parse(s).unwrap_or_else(|_| unreachable!())
    }

    #[test]
    fn urls_match_by_canonical_key() {
        let b = Block::url("https://www.example.org/story?utm_source=x")
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(b.matches(&u("https://example.org/story")));
        assert!(b.matches(&u("http://EXAMPLE.org/story#top")));
        assert!(!b.matches(&u("https://example.org/story-2")));
    }

    #[test]
    fn domains_include_subdomains_only() {
        let b = Block::domain("Example.org").unwrap_or_else(|e| panic!("{e}"));
        assert!(b.matches(&u("https://news.example.org/a")));
        assert!(b.matches(&u("https://www.example.org/a")));
        assert!(!b.matches(&u("https://notexample.org/a")));
        assert!(!b.matches(&u("https://example.org.evil.test/a")));
        assert!(Block::domain("not a domain").is_err());
    }

    #[test]
    fn patterns_use_stars() {
        let b = Block::url("https://example.org/sponsored/*").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(b.kind, BlockKind::Pattern);
        assert!(b.matches(&u("https://example.org/sponsored/deal-1")));
        assert!(!b.matches(&u("https://example.org/news/1")));
        let mid = Block::url("https://*.example.org/*/ads/*").unwrap_or_else(|e| panic!("{e}"));
        assert!(mid.matches(&u("https://shop.example.org/x/ads/1")));
        assert!(!mid.matches(&u("https://shop.example.org/x/news/1")));
    }
}
