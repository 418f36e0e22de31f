//! The liberal feed parser's entry point: bytes (plus what HTTP said about them) to a
//! [`FeedDocument`] in the normalized shape of Python feedparser's result. Decoding, XML
//! tokenizing and namespace resolution happen here; meaning is assigned by
//! [`crate::builder::FeedBuilder`].
//!
//! Any input gives either a document (with `bozo` set when it was not well-formed) or a
//! [`FeedError`] that says what the bytes were instead; it never panics.

use crate::builder::{BuildOptions, FeedBuilder, add_derived_keys, canonical_prefix};
use crate::encoding::{HttpContext, decode};
use crate::parse::{FeedError, Sniffed, sniff};
use crate::urls::safe_join;
use crate::value::Dict;
use crate::xml::{Token, Tokenizer};
use serde_json::Value;

/// Documents above this size are refused rather than parsed (the fetcher caps bodies lower).
pub const MAX_DOCUMENT_BYTES: usize = 64 * 1024 * 1024;

/// How to read a document.
#[derive(Debug, Clone, Default)]
pub struct ParseOptions<'a> {
    /// Response headers as received (names case-insensitive); empty for a local file.
    pub headers: &'a [(&'a str, &'a str)],
    /// The URL the document was fetched from: the base for relative links.
    pub base_url: Option<&'a str>,
    /// Remove unsafe markup from HTML content (on by default in [`ParseOptions::new`]).
    pub sanitize: bool,
}

impl<'a> ParseOptions<'a> {
    pub fn new() -> Self {
        Self {
            headers: &[],
            base_url: None,
            sanitize: true,
        }
    }

    fn header(&self, name: &str) -> Option<&'a str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| *v)
    }
}

/// A parsed feed in feedparser's result shape.
#[derive(Debug, Clone, Default)]
pub struct FeedDocument {
    /// The document was not well-formed (or its encoding was wrong) but was parsed anyway.
    pub bozo: bool,
    /// What was wrong, with line and column where known.
    pub bozo_exception: Option<String>,
    /// The XML itself was broken (not only its declared encoding).
    pub not_well_formed: bool,
    pub encoding: String,
    /// `rss20`, `rss10`, `atom10`, `atom03`, `json11`, … (empty when unknown).
    pub version: String,
    pub feed: Dict,
    pub entries: Vec<Dict>,
    pub namespaces: Dict,
}

impl FeedDocument {
    /// The document as feedparser would print it (`linkx feed parse`).
    pub fn to_json(&self) -> Value {
        let mut d = serde_json::Map::new();
        d.insert("bozo".into(), Value::Bool(self.bozo));
        if let Some(e) = &self.bozo_exception {
            d.insert("bozo_exception".into(), Value::String(e.clone()));
        }
        d.insert("encoding".into(), Value::String(self.encoding.clone()));
        d.insert("version".into(), Value::String(self.version.clone()));
        d.insert("feed".into(), Value::Object(self.feed.to_json()));
        d.insert(
            "entries".into(),
            Value::Array(
                self.entries
                    .iter()
                    .map(|e| Value::Object(e.to_json()))
                    .collect(),
            ),
        );
        d.insert(
            "namespaces".into(),
            Value::Object(self.namespaces.to_json()),
        );
        Value::Object(d)
    }
}

/// Parses RSS (0.9x, 1.0, 2.0), Atom (0.3, 1.0), CDF or JSON Feed.
pub fn parse_document(bytes: &[u8], options: &ParseOptions<'_>) -> Result<FeedDocument, FeedError> {
    if bytes.len() > MAX_DOCUMENT_BYTES {
        return Err(FeedError::TooLarge(bytes.len()));
    }
    if bytes.iter().all(|b| b.is_ascii_whitespace() || *b == 0) {
        return Err(FeedError::Empty);
    }
    let first = bytes
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .and_then(|i| bytes.get(i));
    if first == Some(&b'{') {
        return crate::jsonfeed::parse_json_feed(bytes, options);
    }

    let content_type = options.header("content-type");
    let http = HttpContext { content_type };
    let decoded = decode(bytes, &http);
    let location = options.header("content-location").unwrap_or("");
    let href = options.base_url.unwrap_or("");
    let base = [safe_join(href, location), safe_join(location, "")]
        .into_iter()
        .find(|b| !b.is_empty())
        .unwrap_or_else(|| href.to_string());
    let lang = options.header("content-language");
    let build = BuildOptions {
        sanitize: options.sanitize,
        resolve_relative_uris: true,
    };
    let mut builder = FeedBuilder::new(&base, lang, build);
    let mut tokenizer = Tokenizer::new(&decoded.text);
    let mut namespace_problem = None;
    drive(&mut tokenizer, &mut builder, &mut namespace_problem);

    let xml_problem = tokenizer
        .problem()
        .map(ToString::to_string)
        .or(namespace_problem);
    let mut version = builder.version.clone();
    if tokenizer.netscape_doctype {
        version = "rss091n".into();
    }
    let no_feed_vocabulary = version.is_empty()
        && builder.entries.is_empty()
        && (!builder.feed.contains_key("title") || sniff(bytes) == Sniffed::Html);
    if no_feed_vocabulary {
        return Err(match sniff(bytes) {
            Sniffed::Html => FeedError::HtmlNotFeed,
            _ => FeedError::NotAFeed(
                xml_problem.unwrap_or_else(|| "no RSS, Atom or RDF element found".into()),
            ),
        });
    }
    let not_well_formed = xml_problem.is_some();
    let bozo_exception = xml_problem.or(decoded.problem);
    let mut feed = builder.feed;
    let mut entries = builder.entries;
    add_derived_keys(&mut feed);
    entries.iter_mut().for_each(add_derived_keys);
    Ok(FeedDocument {
        bozo: bozo_exception.is_some(),
        bozo_exception,
        not_well_formed,
        encoding: decoded.encoding,
        version,
        feed,
        entries,
        namespaces: builder.namespaces_in_use,
    })
}

/// Feeds tokens to the builder, resolving namespace prefixes to canonical ones on the way.
fn drive(tokenizer: &mut Tokenizer<'_>, builder: &mut FeedBuilder, problem: &mut Option<String>) {
    let mut scopes: Vec<Scope> = vec![Scope::new("xml", "http://www.w3.org/XML/1998/namespace")];
    let mut marks: Vec<(usize, String)> = Vec::new();
    for token in tokenizer {
        match token {
            Token::Start { name, attrs } => {
                let mark = scopes.len();
                let mut xlink_decls = Vec::new();
                for a in &attrs {
                    if a.name == "xmlns" {
                        scopes.push(Scope::new("", &a.value));
                        builder.track_namespace(None, &a.value);
                    } else if let Some(prefix) = a.name.strip_prefix("xmlns:") {
                        scopes.push(Scope::new(prefix, &a.value));
                        builder.track_namespace(Some(prefix), &a.value);
                        if a.value == "http://www.w3.org/1999/xlink" {
                            xlink_decls.push((format!("xmlns:{prefix}"), a.value.to_string()));
                        }
                    }
                }
                let (tag, uri) = resolve_name(name, &scopes, problem);
                let mut resolved = Vec::with_capacity(attrs.len());
                for a in attrs {
                    if a.name == "xmlns" || a.name.starts_with("xmlns:") {
                        continue;
                    }
                    let key = match a.name.split_once(':') {
                        Some((prefix, local)) => {
                            let canonical = lookup(&scopes, prefix).and_then(|s| s.canonical);
                            match canonical {
                                Some(c) if !c.is_empty() => {
                                    format!("{}:{}", c.to_lowercase(), local.to_lowercase())
                                }
                                _ => local.to_lowercase(),
                            }
                        }
                        None => a.name.to_lowercase(),
                    };
                    resolved.push((key, a.value.into_owned()));
                }
                let local = tag.rsplit(':').next().unwrap_or(&tag);
                if (local == "math" && uri == "http://www.w3.org/1998/Math/MathML")
                    || (local == "svg" && uri == "http://www.w3.org/2000/svg")
                {
                    resolved.push(("xmlns".into(), uri.to_string()));
                }
                resolved.extend(xlink_decls);
                builder.start(&tag, resolved);
                marks.push((mark, tag));
            }
            Token::End { .. } => {
                let Some((mark, tag)) = marks.pop() else {
                    continue;
                };
                builder.end(&tag);
                scopes.truncate(mark);
            }
            Token::Text(text) => builder.text(&text),
            Token::CData(text) => builder.text(text),
        }
    }
}

/// A namespace declaration in scope, with the canonical prefix of its URI looked up once.
struct Scope {
    prefix: String,
    uri: String,
    canonical: Option<&'static str>,
}

impl Scope {
    fn new(prefix: &str, uri: &str) -> Self {
        Self {
            prefix: prefix.to_string(),
            uri: uri.to_string(),
            canonical: canonical_prefix(uri),
        }
    }
}

fn lookup<'s>(scopes: &'s [Scope], prefix: &str) -> Option<&'s Scope> {
    scopes.iter().rev().find(|s| s.prefix == prefix)
}

/// `prefix:Local` to the builder's canonical lowercase `prefix:local`, and the element's
/// namespace URI.
fn resolve_name<'s>(
    name: &str,
    scopes: &'s [Scope],
    problem: &mut Option<String>,
) -> (String, &'s str) {
    let (given, local) = match name.split_once(':') {
        Some((p, l)) => (Some(p), l),
        None => (None, name),
    };
    let found = lookup(scopes, given.unwrap_or(""));
    let uri = found.map_or("", |s| s.uri.as_str());
    let local = if local.bytes().any(|b| b.is_ascii_uppercase()) || !local.is_ascii() {
        local.to_lowercase()
    } else {
        local.to_string()
    };
    let prefix = match (given, found) {
        (Some(p), None) => {
            if problem.is_none() {
                *problem = Some(format!("'{p}' is not associated with a namespace"));
            }
            p.to_lowercase()
        }
        (
            _,
            Some(Scope {
                canonical: Some(c), ..
            }),
        ) => c.to_lowercase(),
        (_, None) => String::new(),
        (_, Some(_)) => given.unwrap_or("").to_lowercase(),
    };
    let tag = if prefix.is_empty() {
        local
    } else {
        format!("{prefix}:{local}")
    };
    (tag, uri)
}
