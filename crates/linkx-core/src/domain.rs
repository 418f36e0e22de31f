//! Domain newtypes with `parse` constructors: an invalid value cannot be built.

use serde::{Deserialize, Serialize};
use std::fmt;
use url::Url;

/// How a source's items are shown on the site. Full text only where the operator is licensed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Display {
    /// Feed summary or the first ~60 words, with a prominent link to the original.
    #[default]
    Excerpt,
    /// The whole text (own site, CC-licensed, or with permission).
    Full,
}

impl Display {
    pub fn as_str(self) -> &'static str {
        match self {
            Display::Excerpt => "excerpt",
            Display::Full => "full",
        }
    }

    pub fn parse(s: &str) -> Result<Self, DomainError> {
        match s.trim().to_ascii_lowercase().as_str() {
            "excerpt" => Ok(Display::Excerpt),
            "full" => Ok(Display::Full),
            other => Err(DomainError::Invalid {
                what: "display",
                value: other.to_string(),
                expected: "`excerpt` or `full`",
            }),
        }
    }
}

/// Whether the article page is fetched to get the full text of an item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FullText {
    /// Fetch the page when the feed text is short or looks truncated.
    #[default]
    Auto,
    Always,
    Never,
}

impl FullText {
    pub fn as_str(self) -> &'static str {
        match self {
            FullText::Auto => "auto",
            FullText::Always => "always",
            FullText::Never => "never",
        }
    }

    pub fn parse(s: &str) -> Result<Self, DomainError> {
        match s.trim().to_ascii_lowercase().as_str() {
            "auto" => Ok(FullText::Auto),
            "always" => Ok(FullText::Always),
            "never" => Ok(FullText::Never),
            other => Err(DomainError::Invalid {
                what: "full_text",
                value: other.to_string(),
                expected: "`auto`, `always` or `never`",
            }),
        }
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum DomainError {
    #[error("invalid {what} {value:?}: expected {expected}")]
    Invalid {
        what: &'static str,
        value: String,
        expected: &'static str,
    },
    #[error("{0:?} is not a URL: give a full address such as https://example.org/feed.xml")]
    NotAUrl(String),
    #[error("{0:?} is not an http(s) URL: only http:// and https:// sources can be followed")]
    NotHttp(String),
}

/// An absolute http(s) URL of a feed or a site.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SourceUrl(Url);

impl SourceUrl {
    /// Accepts `https://…`, `http://…`, and a bare `example.org/feed` (taken as https).
    pub fn parse(input: &str) -> Result<Self, DomainError> {
        let trimmed = input.trim();
        let candidate = if trimmed.contains("://") {
            trimmed.to_string()
        } else {
            format!("https://{trimmed}")
        };
        let url = Url::parse(&candidate).map_err(|_| DomainError::NotAUrl(input.to_string()))?;
        match url.scheme() {
            "http" | "https" if url.host_str().is_some_and(|h| !h.is_empty()) => Ok(SourceUrl(url)),
            "http" | "https" => Err(DomainError::NotAUrl(input.to_string())),
            _ => Err(DomainError::NotHttp(input.to_string())),
        }
    }

    pub fn as_url(&self) -> &Url {
        &self.0
    }

    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }

    pub fn into_url(self) -> Url {
        self.0
    }
}

impl fmt::Display for SourceUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn source_url_accepts_bare_hosts_and_rejects_other_schemes() {
        assert_eq!(
            SourceUrl::parse("example.org/feed").map(|u| u.to_string()),
            Ok("https://example.org/feed".to_string())
        );
        assert!(matches!(
            SourceUrl::parse("ftp://example.org/"),
            Err(DomainError::NotHttp(_))
        ));
        assert!(matches!(
            SourceUrl::parse("http://"),
            Err(DomainError::NotAUrl(_))
        ));
    }
}
