//! Readers' comments as values: the form's fields parsed into types that cannot hold invalid
//! input, and the moderation decision as a pure function. Rendering and storage live elsewhere;
//! nothing here may do I/O.

use crate::config::{CommentsConfig, Moderation};
use serde::Serialize;
use url::Url;

/// The longest comment accepted, in characters (a long letter, not a book).
pub const MAX_COMMENT_CHARS: usize = 10_000;
const MAX_NAME_CHARS: usize = 80;
const MAX_EMAIL_CHARS: usize = 254;
const MAX_URL_CHARS: usize = 500;

/// A form field of the reply form, named as in WordPress's form.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Field {
    Author,
    Email,
    Url,
    Comment,
}

/// What is wrong with one field, in words shown next to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    pub field: Field,
    pub message: &'static str,
}

fn field_error(field: Field, message: &'static str) -> FieldError {
    FieldError { field, message }
}

/// Trims and folds runs of whitespace (including newlines) into one space, dropping control
/// characters: a name or address cannot carry a line break into a mail header or a page.
fn single_line(input: &str) -> String {
    input
        .split(|c: char| c.is_whitespace() || c.is_control())
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// A commenter's display name: one line, 1–80 characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthorName(String);

impl AuthorName {
    pub fn parse(input: &str) -> Result<Self, FieldError> {
        let name = single_line(input);
        if name.is_empty() {
            return Err(field_error(Field::Author, "Please enter your name."));
        }
        if name.chars().count() > MAX_NAME_CHARS {
            return Err(field_error(
                Field::Author,
                "Please use a shorter name (at most 80 characters).",
            ));
        }
        Ok(AuthorName(name))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A plausible email address: one `@`, a dotted domain, no spaces, quotes, angle brackets or
/// line breaks. It is stored for notifications only and never shown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email(String);

impl Email {
    pub fn parse(input: &str) -> Result<Self, FieldError> {
        let email = input.trim();
        if email.is_empty() {
            return Err(field_error(
                Field::Email,
                "Please enter your email address (it will not be published).",
            ));
        }
        let invalid = || {
            field_error(
                Field::Email,
                "Please enter a valid email address, such as name@example.org.",
            )
        };
        if email.len() > MAX_EMAIL_CHARS
            || email.chars().any(|c| {
                c.is_whitespace()
                    || c.is_control()
                    || matches!(
                        c,
                        '<' | '>' | '"' | ',' | ';' | '\\' | '(' | ')' | '[' | ']'
                    )
            })
        {
            return Err(invalid());
        }
        let (local, domain) = email.rsplit_once('@').ok_or_else(invalid)?;
        let labels_ok = domain
            .split('.')
            .all(|l| !l.is_empty() && !l.starts_with('-') && !l.ends_with('-'));
        if local.is_empty() || local.contains('@') || !domain.contains('.') || !labels_ok {
            return Err(invalid());
        }
        Ok(Email(format!("{local}@{}", domain.to_lowercase())))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The address as it identifies a person: case-insensitive throughout.
    pub fn identity(&self) -> String {
        self.0.to_lowercase()
    }
}

/// A commenter's website: an absolute http(s) URL without credentials. `example.org` is taken
/// as `https://example.org/`. The URL is re-serialised, so quotes and spaces are percent-encoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthorUrl(Url);

impl AuthorUrl {
    /// `Ok(None)` for an empty field: the website is optional.
    pub fn parse(input: &str) -> Result<Option<Self>, FieldError> {
        let trimmed = input.trim();
        if trimmed.is_empty() {
            return Ok(None);
        }
        let invalid = || {
            field_error(
                Field::Url,
                "Please enter a web address starting with http:// or https://, or leave it empty.",
            )
        };
        if trimmed.len() > MAX_URL_CHARS || trimmed.chars().any(|c| c.is_control()) {
            return Err(invalid());
        }
        let has_scheme = trimmed.split_once(':').is_some_and(|(scheme, _)| {
            scheme
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
        });
        let candidate = if has_scheme {
            trimmed.to_string()
        } else {
            format!("https://{trimmed}")
        };
        let url = Url::parse(&candidate).map_err(|_| invalid())?;
        let host_ok = url.host_str().is_some_and(|h| !h.is_empty());
        if !matches!(url.scheme(), "http" | "https")
            || !host_ok
            || !url.username().is_empty()
            || url.password().is_some()
        {
            return Err(invalid());
        }
        Ok(Some(AuthorUrl(url)))
    }

    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }
}

/// The comment's Markdown source: not blank, at most [`MAX_COMMENT_CHARS`], line breaks as `\n`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommentBody(String);

impl CommentBody {
    pub fn parse(input: &str) -> Result<Self, FieldError> {
        let body = input.replace("\r\n", "\n").replace('\r', "\n");
        let body: String = body
            .chars()
            .filter(|&c| c == '\n' || c == '\t' || !c.is_control())
            .collect();
        let body = body.trim();
        if body.is_empty() {
            return Err(field_error(Field::Comment, "Please write a comment."));
        }
        if body.chars().count() > MAX_COMMENT_CHARS {
            return Err(field_error(
                Field::Comment,
                "Your comment is too long (at most 10,000 characters). Please shorten it.",
            ));
        }
        Ok(CommentBody(body.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Where a comment stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum CommentStatus {
    /// Shown to everyone.
    Approved,
    /// Waiting for a moderator; shown only to its author.
    Pending,
    /// Never shown.
    Spam,
    /// Removed by its author or a moderator; kept as a placeholder while replies hang off it.
    Deleted,
}

impl CommentStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            CommentStatus::Approved => "approved",
            CommentStatus::Pending => "pending",
            CommentStatus::Spam => "spam",
            CommentStatus::Deleted => "deleted",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "approved" => Some(CommentStatus::Approved),
            "pending" => Some(CommentStatus::Pending),
            "spam" => Some(CommentStatus::Spam),
            "deleted" => Some(CommentStatus::Deleted),
            _ => None,
        }
    }
}

/// What the moderation rules look at.
#[derive(Debug, Clone)]
pub struct Submission<'a> {
    pub author: &'a str,
    pub email: &'a str,
    pub url: Option<&'a str>,
    pub body: &'a str,
    /// Links in the rendered comment.
    pub links: usize,
    /// The commenter (by email) has an approved comment already.
    pub known_commenter: bool,
}

/// The rules' verdict and, when not approved, the reason a moderator sees.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    pub status: CommentStatus,
    pub reason: Option<String>,
}

/// Applies the site's moderation rules to a new comment, strictest first: the content rules
/// ([`content_verdict`]), then "hold all" and first-time commenters.
pub fn moderate(s: &Submission<'_>, config: &CommentsConfig) -> Verdict {
    if let Some(verdict) = content_verdict(s, config) {
        return verdict;
    }
    let held = |reason: &str| Verdict {
        status: CommentStatus::Pending,
        reason: Some(reason.to_string()),
    };
    match config.moderation {
        Moderation::All => held("every comment is moderated"),
        Moderation::FirstTime if !s.known_commenter => held("first comment of this commenter"),
        _ => Verdict {
            status: CommentStatus::Approved,
            reason: None,
        },
    }
}

/// The rules about what a comment says, whoever wrote it (they also judge an edit):
/// disallowed words send it to spam; moderation words and too many links hold it. `None` when
/// none applies.
pub fn content_verdict(s: &Submission<'_>, config: &CommentsConfig) -> Option<Verdict> {
    let fields = [s.author, s.email, s.url.unwrap_or(""), s.body];
    let verdict = |status, reason: String| {
        Some(Verdict {
            status,
            reason: Some(reason),
        })
    };
    if let Some(word) = first_listed_word(&fields, &config.disallowed_words) {
        return verdict(
            CommentStatus::Spam,
            format!("contains the disallowed word {word:?}"),
        );
    }
    if let Some(word) = first_listed_word(&fields, &config.moderation_words) {
        return verdict(
            CommentStatus::Pending,
            format!("contains the moderation word {word:?}"),
        );
    }
    if config.max_links > 0 && s.links >= config.max_links as usize {
        return verdict(
            CommentStatus::Pending,
            format!("{} links (the limit is {})", s.links, config.max_links),
        );
    }
    None
}

/// The first word of `list` found in any field as a whole word (case-insensitive), so `ass`
/// does not match "class".
fn first_listed_word<'a>(fields: &[&str], list: &'a [String]) -> Option<&'a str> {
    let lowered: Vec<String> = fields.iter().map(|f| f.to_lowercase()).collect();
    list.iter()
        .map(|w| w.trim())
        .filter(|w| !w.is_empty())
        .find(|word| {
            let word = word.to_lowercase();
            lowered.iter().any(|field| contains_word(field, &word))
        })
}

fn contains_word(haystack: &str, word: &str) -> bool {
    let is_word_char = |c: char| c.is_alphanumeric();
    haystack.match_indices(word).any(|(start, _)| {
        let before = haystack[..start].chars().next_back();
        let after = haystack[start + word.len()..].chars().next();
        !before.is_some_and(is_word_char) && !after.is_some_and(is_word_char)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_one_line() {
        assert_eq!(
            AuthorName::parse("  Ana\r\nBcc: x@y.z ").map(|n| n.0),
            Ok("Ana Bcc: x@y.z".to_string())
        );
        assert!(AuthorName::parse(" \n ").is_err());
    }

    #[test]
    fn emails_reject_header_injection_and_junk() {
        assert!(Email::parse("ana@Example.ORG").is_ok_and(|e| e.as_str() == "ana@example.org"));
        for bad in [
            "ana",
            "ana@localhost",
            "ana@example.org\r\nBcc: victim@example.org",
            "ana@example.org\nX: y",
            "a b@example.org",
            "<ana@example.org>",
            "ana@.org",
            "@example.org",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn websites_are_http_only_and_reserialised() {
        let ok = |s: &str| {
            AuthorUrl::parse(s)
                .ok()
                .flatten()
                .map(|u| u.as_str().to_string())
        };
        assert_eq!(ok("example.org"), Some("https://example.org/".into()));
        assert_eq!(
            ok("https://ex.org/a\"onmouseover=alert(1)"),
            Some("https://ex.org/a%22onmouseover=alert(1)".into())
        );
        for bad in [
            "javascript:alert(1)",
            "JaVaScRiPt:alert(1)",
            "data:text/html,<script>alert(1)</script>",
            "https://user:pw@ex.org/",
            "ftp://ex.org/",
            "vbscript:msgbox",
        ] {
            assert!(AuthorUrl::parse(bad).is_err(), "{bad:?}");
        }
        assert_eq!(AuthorUrl::parse("  "), Ok(None));
    }

    fn submission(body: &str) -> Submission<'_> {
        Submission {
            author: "Ana",
            email: "ana@example.org",
            url: None,
            body,
            links: 0,
            known_commenter: true,
        }
    }

    #[test]
    fn moderation_rules_in_order() {
        let config = CommentsConfig {
            moderation_words: vec!["casino".into()],
            disallowed_words: vec!["viagra".into()],
            ..CommentsConfig::default()
        };
        let status = |s: &Submission<'_>| moderate(s, &config).status;
        assert_eq!(status(&submission("Nice report")), CommentStatus::Approved);
        assert_eq!(
            status(&submission("cheap VIAGRA here")),
            CommentStatus::Spam
        );
        assert_eq!(status(&submission("best Casino!")), CommentStatus::Pending);
        assert_eq!(status(&submission("casinos")), CommentStatus::Approved);
        let linky = Submission {
            links: 2,
            ..submission("see these")
        };
        assert_eq!(status(&linky), CommentStatus::Pending);
        let newcomer = Submission {
            known_commenter: false,
            ..submission("hello")
        };
        assert_eq!(status(&newcomer), CommentStatus::Pending);
        let open = CommentsConfig {
            moderation: Moderation::None,
            ..CommentsConfig::default()
        };
        assert_eq!(moderate(&newcomer, &open).status, CommentStatus::Approved);
    }
}
