//! The search box's little language, parsed by hand so that no input can fail in an unexpected
//! way: words, `"exact phrases"` (or in typographic quotes: `“…”`, `„…“`, `«…»`, `「…」`),
//! `-excluded` words or phrases, `source:name`, `author:name`,
//! `after:2026-11-01` and `before:2026-11-27` (UTC days; `2026-11` and `2026` work too). An
//! unclosed quote runs to the end; an unknown `key:value` is searched as words. Errors are for
//! what a reader can fix, worded for them.

use chrono::NaiveDate;

/// Longest query accepted, in characters.
pub const MAX_QUERY_CHARS: usize = 500;
/// Most words, phrases and filters in one query.
pub const MAX_PARTS: usize = 24;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QueryError {
    #[error("Type a word or two to search for.")]
    Empty,
    #[error("That query is too long: use at most 500 characters.")]
    TooLong,
    #[error("That query has too many parts: use at most 24 words, phrases and filters.")]
    TooManyParts,
    #[error("{key}: expects a date like 2026-11-27 (or 2026-11, or 2026), not {value:?}.")]
    BadDate { key: &'static str, value: String },
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ParsedQuery {
    pub terms: Vec<String>,
    pub phrases: Vec<String>,
    pub excluded: Vec<String>,
    pub sources: Vec<String>,
    pub authors: Vec<String>,
    /// Unix seconds, inclusive.
    pub after: Option<i64>,
    /// Unix seconds, exclusive.
    pub before: Option<i64>,
}

impl ParsedQuery {
    /// Every word and phrase that must match.
    pub fn words(&self) -> Vec<&str> {
        self.terms
            .iter()
            .chain(&self.phrases)
            .map(String::as_str)
            .collect()
    }
}

/// The quotes that close a phrase opened by `open`: straight quotes, and the typographic ones
/// phones and other languages type (“…”, „…“, «…», 「…」, 『…』).
fn closes(open: char) -> Option<&'static str> {
    Some(match open {
        '"' => "\"",
        '“' => "”\"",
        '„' => "“”\"",
        '«' => "»",
        '「' => "」",
        '『' => "』",
        _ => return None,
    })
}

/// Splits the input into parts: `(negated, key, value, quoted)`.
fn parts(input: &str) -> Vec<(bool, Option<String>, String, bool)> {
    let mut out = Vec::new();
    let mut chars = input.chars().peekable();
    loop {
        while chars.next_if(|c| c.is_whitespace()).is_some() {}
        let Some(&first) = chars.peek() else {
            break;
        };
        let negated = first == '-';
        if negated {
            chars.next();
        }
        let mut key = None;
        let mut value = String::new();
        let mut quoted = false;
        loop {
            match chars.peek() {
                None => break,
                Some(c) if c.is_whitespace() => break,
                Some(&open) if closes(open).is_some() => {
                    chars.next();
                    quoted = true;
                    let close = closes(open).unwrap_or_default();
                    for c in chars.by_ref() {
                        if close.contains(c) {
                            break;
                        }
                        value.push(c);
                    }
                    break;
                }
                Some(':') if key.is_none() && !value.is_empty() => {
                    chars.next();
                    key = Some(std::mem::take(&mut value).to_ascii_lowercase());
                }
                Some(&c) => {
                    chars.next();
                    value.push(c);
                }
            }
        }
        out.push((negated, key, value, quoted));
    }
    out
}

/// The first second of a day (or month, or year) given as `2026-11-27`, `2026-11` or `2026`.
fn day_start(value: &str) -> Option<i64> {
    let pieces: Vec<&str> = value.trim().split('-').collect();
    let number = |i: usize| pieces.get(i).and_then(|p| p.parse::<u32>().ok());
    let year = pieces.first()?.parse::<i32>().ok()?;
    let date = match pieces.len() {
        1 => NaiveDate::from_ymd_opt(year, 1, 1)?,
        2 => NaiveDate::from_ymd_opt(year, number(1)?, 1)?,
        3 => NaiveDate::from_ymd_opt(year, number(1)?, number(2)?)?,
        _ => return None,
    };
    Some(date.and_hms_opt(0, 0, 0)?.and_utc().timestamp())
}

pub fn parse_query(input: &str) -> Result<ParsedQuery, QueryError> {
    if input.chars().count() > MAX_QUERY_CHARS {
        return Err(QueryError::TooLong);
    }
    let parts = parts(input);
    if parts.len() > MAX_PARTS {
        return Err(QueryError::TooManyParts);
    }
    let mut q = ParsedQuery::default();
    for (negated, key, value, quoted) in parts {
        let value = value.trim().to_string();
        match key.as_deref() {
            Some("after") | Some("since") => {
                // after:2026-11 means from the first of November on.
                q.after = Some(day_start(&value).ok_or(QueryError::BadDate {
                    key: "after",
                    value,
                })?);
            }
            Some("before") | Some("until") => {
                q.before = Some(day_start(&value).ok_or(QueryError::BadDate {
                    key: "before",
                    value,
                })?);
            }
            Some("source") if !value.is_empty() => q.sources.push(value),
            Some("author") if !value.is_empty() => q.authors.push(value),
            other => {
                let text = match other {
                    Some(k) => format!("{k} {value}"),
                    None => value,
                };
                // Punctuation alone matches nothing: leave it out rather than match nothing.
                if !text.chars().any(char::is_alphanumeric) {
                    continue;
                }
                if negated {
                    q.excluded.push(text);
                } else if quoted || other.is_some() {
                    q.phrases.push(text);
                } else {
                    q.terms.push(text);
                }
            }
        }
    }
    if q.words().is_empty()
        && q.excluded.is_empty()
        && q.sources.is_empty()
        && q.authors.is_empty()
        && q.after.is_none()
        && q.before.is_none()
    {
        return Err(QueryError::Empty);
    }
    Ok(q)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_grammar() {
        let q = parse_query(
            r#"Kadhimi "drone attack" -rumour source:bbc after:2026-11-01 before:2026-12"#,
        )
        .unwrap();
        assert_eq!(q.terms, ["Kadhimi"]);
        assert_eq!(q.phrases, ["drone attack"]);
        assert_eq!(q.excluded, ["rumour"]);
        assert_eq!(q.sources, ["bbc"]);
        assert_eq!(q.after, Some(1_793_491_200));
        assert_eq!(q.before, Some(1_796_083_200));
        // Typographic quotes, as phones and other languages type them, make phrases too.
        let q =
            parse_query("“drone attack” „Flut im Tal“ «attaque de drone» 「東京都心」 -『大阪』")
                .unwrap();
        assert_eq!(
            q.phrases,
            [
                "drone attack",
                "Flut im Tal",
                "attaque de drone",
                "東京都心"
            ]
        );
        assert_eq!(q.excluded, ["大阪"]);
        assert!(q.terms.is_empty());
    }

    #[test]
    fn forgiving_but_bounded() {
        assert_eq!(
            parse_query("\"unclosed phrase").unwrap().phrases,
            ["unclosed phrase"]
        );
        assert_eq!(parse_query("covid:19").unwrap().phrases, ["covid 19"]);
        assert_eq!(parse_query("  "), Err(QueryError::Empty));
        assert_eq!(parse_query("\"\" - :"), Err(QueryError::Empty));
        assert!(matches!(
            parse_query("after:yesterday"),
            Err(QueryError::BadDate { .. })
        ));
        assert!(matches!(
            parse_query("before:2026-13-01"),
            Err(QueryError::BadDate { .. })
        ));
        assert_eq!(parse_query(&"a".repeat(501)), Err(QueryError::TooLong));
        assert_eq!(parse_query(&"a ".repeat(25)), Err(QueryError::TooManyParts));
        assert!(parse_query("-only -exclusions").is_ok());
    }
}
