//! A forgiving XML tokenizer for feeds: it yields the tags and text a well-formed parser would,
//! keeps going where real feeds break the rules (undeclared HTML entities, bare `&`, unquoted
//! attributes, mismatched or missing end tags), and records the first such problem with its
//! line and column so the caller can flag the feed as not well-formed.
//!
//! It never panics and never allocates without bound: nesting depth is capped, entities from
//! the DOCTYPE are expanded one level only (no "billion laughs"), and external entities are
//! never fetched.

use crate::entities::html_entity;
use std::borrow::Cow;
use std::collections::{HashMap, VecDeque};

/// Deeper elements are flattened into their parent's text: no real feed nests this deep.
pub const MAX_DEPTH: usize = 256;

#[derive(Debug, Clone, PartialEq)]
pub enum Token<'a> {
    Start {
        name: &'a str,
        attrs: Vec<Attr<'a>>,
    },
    End {
        name: &'a str,
    },
    /// Character data with references already resolved.
    Text(Cow<'a, str>),
    /// The contents of a CDATA section, verbatim.
    CData(&'a str),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Attr<'a> {
    pub name: &'a str,
    pub value: Cow<'a, str>,
}

/// The first well-formedness problem met, with its position (1-based line and column).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct XmlProblem {
    pub message: String,
    pub line: usize,
    pub column: usize,
}

impl std::fmt::Display for XmlProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} (line {}, column {})",
            self.message, self.line, self.column
        )
    }
}

pub struct Tokenizer<'a> {
    src: &'a str,
    pos: usize,
    open: Vec<&'a str>,
    pending: VecDeque<Token<'a>>,
    entities: HashMap<String, String>,
    problem: Option<XmlProblem>,
    seen_root: bool,
    root_closed: bool,
    /// The DOCTYPE names the Netscape RSS 0.91 DTD.
    pub netscape_doctype: bool,
}

impl<'a> Tokenizer<'a> {
    pub fn new(src: &'a str) -> Self {
        Self {
            src,
            pos: 0,
            open: Vec::new(),
            pending: VecDeque::new(),
            entities: HashMap::new(),
            problem: None,
            seen_root: false,
            root_closed: false,
            netscape_doctype: false,
        }
    }

    pub fn problem(&self) -> Option<&XmlProblem> {
        self.problem.as_ref()
    }

    fn fail(&mut self, at: usize, message: impl Into<String>) {
        if self.problem.is_some() {
            return;
        }
        let before = self.src.get(..at).unwrap_or(self.src);
        let line = before.matches('\n').count() + 1;
        let column = before
            .rfind('\n')
            .map_or(before.len(), |nl| before.len() - nl - 1)
            + 1;
        self.problem = Some(XmlProblem {
            message: message.into(),
            line,
            column,
        });
    }

    fn rest(&self) -> &'a str {
        self.src.get(self.pos..).unwrap_or("")
    }

    fn next_token(&mut self) -> Option<Token<'a>> {
        loop {
            if let Some(t) = self.pending.pop_front() {
                return Some(t);
            }
            let rest = self.rest();
            if rest.is_empty() {
                return self.finish();
            }
            if let Some(after) = rest.strip_prefix('<') {
                if let Some(t) = self.markup(after) {
                    return Some(t);
                }
                continue;
            }
            let end = memchr::memchr(b'<', rest.as_bytes()).unwrap_or(rest.len());
            let start = self.pos;
            self.pos += end;
            let raw = &rest[..end];
            if self.open.is_empty() {
                if !raw.trim().is_empty() {
                    let msg = if self.root_closed {
                        "junk after document element"
                    } else {
                        "text before the document element"
                    };
                    self.fail(start, msg);
                }
                continue;
            }
            let text = self.resolve_references(raw, start);
            return Some(Token::Text(text));
        }
    }

    fn finish(&mut self) -> Option<Token<'a>> {
        if let Some(name) = self.open.pop() {
            self.fail(self.src.len(), format!("no closing tag for <{name}>"));
            return Some(Token::End { name });
        }
        if !self.seen_root {
            self.fail(self.src.len(), "no element found");
        }
        None
    }

    /// Handles what follows a `<`; `None` when it produced nothing to yield.
    fn markup(&mut self, after: &'a str) -> Option<Token<'a>> {
        let at = self.pos;
        if let Some(body) = after.strip_prefix("!--") {
            match body.find("-->") {
                Some(end) => self.pos += 1 + 3 + end + 3,
                None => {
                    self.fail(at, "unclosed comment");
                    self.pos = self.src.len();
                }
            }
            return None;
        }
        if let Some(body) = after.strip_prefix("![CDATA[") {
            let (content, consumed) = match body.find("]]>") {
                Some(end) => (&body[..end], end + 3),
                None => {
                    self.fail(at, "unclosed CDATA section");
                    (body, body.len())
                }
            };
            self.pos += 1 + 8 + consumed;
            if self.open.is_empty() {
                self.fail(at, "CDATA outside the document element");
                return None;
            }
            return Some(Token::CData(content));
        }
        if after.starts_with('!') {
            self.doctype(after);
            return None;
        }
        if after.starts_with('?') {
            match after.find("?>") {
                Some(end) => self.pos += 1 + end + 2,
                None => {
                    self.fail(at, "unclosed processing instruction");
                    self.pos = self.src.len();
                }
            }
            return None;
        }
        if let Some(body) = after.strip_prefix('/') {
            let name_len = name_length(body);
            let name = &body[..name_len];
            let close = body[name_len..].find('>');
            match close {
                Some(c) => self.pos += 2 + name_len + c + 1,
                None => {
                    self.fail(at, "unclosed end tag");
                    self.pos = self.src.len();
                }
            }
            if name.is_empty() {
                self.fail(at, "end tag without a name");
                return None;
            }
            return self.close_element(name, at);
        }
        let name_len = name_length(after);
        if name_len == 0 {
            // A lone `<` in text: keep it as text.
            self.fail(at, "not well-formed (invalid token)");
            self.pos += 1;
            return (!self.open.is_empty()).then_some(Token::Text(Cow::Borrowed("<")));
        }
        let name = &after[..name_len];
        self.pos += 1 + name_len;
        let (attrs, empty) = self.attributes(at);
        if self.open.is_empty() {
            if self.root_closed {
                self.fail(at, "junk after document element");
            }
            self.seen_root = true;
        }
        if self.open.len() >= MAX_DEPTH {
            self.fail(at, "elements nested too deeply");
            return None;
        }
        if !empty {
            self.open.push(name);
        } else {
            self.pending.push_back(Token::End { name });
        }
        Some(Token::Start { name, attrs })
    }

    fn close_element(&mut self, name: &'a str, at: usize) -> Option<Token<'a>> {
        match self.open.iter().rposition(|open| *open == name) {
            Some(index) => {
                if index + 1 != self.open.len() {
                    self.fail(at, format!("mismatched tag: expected </{}>", self.top()));
                }
                while self.open.len() > index + 1 {
                    if let Some(inner) = self.open.pop() {
                        self.pending.push_back(Token::End { name: inner });
                    }
                }
                self.open.pop();
                if self.open.is_empty() {
                    self.root_closed = true;
                }
                self.pending.push_back(Token::End { name });
                self.pending.pop_front()
            }
            None => {
                self.fail(at, format!("mismatched tag: </{name}> closes nothing"));
                None
            }
        }
    }

    fn top(&self) -> &'a str {
        self.open.last().copied().unwrap_or("")
    }

    /// Reads attributes up to and including `>` or `/>`; returns them and whether the tag was
    /// self-closing.
    fn attributes(&mut self, tag_at: usize) -> (Vec<Attr<'a>>, bool) {
        let mut attrs = Vec::new();
        loop {
            let rest = self.rest();
            let trimmed = rest.trim_start();
            self.pos += rest.len() - trimmed.len();
            if trimmed.starts_with("/>") {
                self.pos += 2;
                return (attrs, true);
            }
            if trimmed.starts_with('>') {
                self.pos += 1;
                return (attrs, false);
            }
            if trimmed.is_empty() {
                self.fail(tag_at, "unclosed start tag");
                return (attrs, false);
            }
            if trimmed.starts_with('<') {
                self.fail(self.pos, "not well-formed (invalid token)");
                return (attrs, false);
            }
            let name_len = name_length(trimmed);
            if name_len == 0 {
                // Stray character inside a tag (`<a "b">`): skip it.
                self.fail(self.pos, "not well-formed (invalid token)");
                self.pos += trimmed.chars().next().map_or(1, char::len_utf8);
                continue;
            }
            let name = &trimmed[..name_len];
            self.pos += name_len;
            let rest = self.rest();
            let after_ws = rest.trim_start();
            let Some(value_part) = after_ws.strip_prefix('=') else {
                self.fail(self.pos, format!("attribute {name} has no value"));
                attrs.push(Attr {
                    name,
                    value: Cow::Borrowed(""),
                });
                continue;
            };
            self.pos += rest.len() - after_ws.len() + 1;
            let value_part_trimmed = value_part.trim_start();
            self.pos += value_part.len() - value_part_trimmed.len();
            let value_at = self.pos;
            let raw = match value_part_trimmed.chars().next() {
                Some(q @ ('"' | '\'')) => {
                    let body = &value_part_trimmed[1..];
                    match body.find(q) {
                        Some(end) => {
                            self.pos += 1 + end + 1;
                            &body[..end]
                        }
                        None => {
                            self.fail(value_at, "unclosed attribute value");
                            self.pos = self.src.len();
                            body
                        }
                    }
                }
                _ => {
                    self.fail(value_at, format!("attribute {name} value is not quoted"));
                    let end = value_part_trimmed
                        .find(|c: char| c.is_whitespace() || c == '>')
                        .unwrap_or(value_part_trimmed.len());
                    let end = if value_part_trimmed[..end].ends_with('/')
                        && value_part_trimmed[end..].starts_with('>')
                    {
                        end - 1
                    } else {
                        end
                    };
                    self.pos += end;
                    &value_part_trimmed[..end]
                }
            };
            if raw.contains('<') {
                self.fail(value_at, "'<' in an attribute value");
            }
            let value = self.resolve_references(raw, value_at);
            let value = normalize_attribute_whitespace(value);
            if attrs.iter().any(|a: &Attr<'_>| a.name == name) {
                self.fail(value_at, format!("duplicate attribute {name}"));
                continue;
            }
            attrs.push(Attr { name, value });
        }
    }

    /// Skips a `<!DOCTYPE …>` (or other `<!…>` declaration), remembering the simple internal
    /// entities it declares.
    fn doctype(&mut self, after: &'a str) {
        let at = self.pos;
        let is_doctype = after
            .get(1..8)
            .is_some_and(|k| k.eq_ignore_ascii_case("DOCTYPE"));
        // The internal subset may contain `>` inside its declarations.
        let end = match (after.find('['), after.find('>')) {
            (Some(open), Some(gt)) if open < gt => after[open..]
                .find("]")
                .and_then(|close| after[open + close..].find('>').map(|g| open + close + g)),
            (_, gt) => gt,
        };
        let Some(end) = end else {
            self.fail(at, "unclosed declaration");
            self.pos = self.src.len();
            return;
        };
        let decl = &after[..end];
        self.pos += 1 + end + 1;
        if !is_doctype {
            if !after.starts_with("!ENTITY") && !after.starts_with("!ELEMENT") {
                self.fail(at, "not well-formed (invalid token)");
            }
            return;
        }
        if decl.to_ascii_lowercase().contains("netscape") {
            self.netscape_doctype = true;
        }
        let mut rest = decl;
        while let Some(i) = rest.find("<!ENTITY") {
            rest = &rest[i + 8..];
            let Some(close) = rest.find('>') else { break };
            let body = rest[..close].trim();
            rest = &rest[close..];
            let mut parts = body.splitn(2, char::is_whitespace);
            let (Some(name), Some(value)) = (parts.next(), parts.next()) else {
                continue;
            };
            let value = value.trim();
            if name == "%" || !value.starts_with('"') {
                continue; // parameter or external entity: never expanded
            }
            let value = value.trim_matches('"');
            let safe = !value.contains('&')
                || (value.starts_with("&#") && value.ends_with(';') && !value[1..].contains('&'));
            if safe && self.entities.len() < 1024 {
                let expanded = self.resolve_references(value, at).into_owned();
                self.entities.insert(name.to_string(), expanded);
            }
        }
    }

    /// Resolves `&…;` references in text or an attribute value. Undeclared HTML entities are
    /// resolved anyway (and flagged); unknown ones and bare `&` stay literal.
    fn resolve_references(&mut self, raw: &'a str, at: usize) -> Cow<'a, str> {
        if !raw.bytes().any(|b| b == b'&' || b == b'\r') {
            return Cow::Borrowed(raw);
        }
        let mut out = String::with_capacity(raw.len());
        let mut rest = raw;
        while let Some(i) = rest.bytes().position(|b| b == b'&' || b == b'\r') {
            out.push_str(&rest[..i]);
            let tail = &rest[i..];
            if let Some(after_cr) = tail.strip_prefix('\r') {
                // XML end-of-line handling: CRLF and lone CR become LF.
                out.push('\n');
                rest = after_cr.strip_prefix('\n').unwrap_or(after_cr);
                continue;
            }
            // A reference name is short: look for its `;` only that far.
            let reference = tail.as_bytes()[1..]
                .iter()
                .take(33)
                .position(|b| *b == b';')
                .map(|end| &tail[1..1 + end]);
            let offset = at + (raw.len() - tail.len());
            match reference.and_then(|r| self.reference(r, offset)) {
                Some(resolved) => {
                    out.push_str(&resolved);
                    rest = &tail[2 + reference.map_or(0, str::len)..];
                }
                None => {
                    if reference.is_none_or(|r| !is_name(r)) {
                        self.fail(offset, "not well-formed (invalid token)");
                    }
                    out.push('&');
                    rest = &tail[1..];
                }
            }
        }
        out.push_str(rest);
        Cow::Owned(out)
    }

    /// The text a reference's name stands for; `None` leaves the `&` literal.
    fn reference(&mut self, name: &str, at: usize) -> Option<Cow<'static, str>> {
        let predefined = match name {
            "lt" => Some("<"),
            "gt" => Some(">"),
            "amp" => Some("&"),
            "quot" => Some("\""),
            "apos" => Some("'"),
            _ => None,
        };
        if let Some(p) = predefined {
            return Some(Cow::Borrowed(p));
        }
        if let Some(num) = name.strip_prefix('#') {
            let code = match num.strip_prefix(['x', 'X']) {
                Some(hex) => u32::from_str_radix(hex, 16).ok(),
                None => num.parse::<u32>().ok(),
            };
            return match code.and_then(char::from_u32).filter(|c| is_xml_char(*c)) {
                Some(c) => Some(Cow::Owned(c.to_string())),
                None => {
                    self.fail(
                        at,
                        format!("reference to invalid character number &{name};"),
                    );
                    None
                }
            };
        }
        if let Some(value) = self.entities.get(name) {
            return Some(Cow::Owned(value.clone()));
        }
        if !is_name(name) {
            return None;
        }
        self.fail(at, format!("undefined entity &{name};"));
        html_entity(name).map(|c| Cow::Owned(c.to_string()))
    }
}

impl<'a> Iterator for Tokenizer<'a> {
    type Item = Token<'a>;

    fn next(&mut self) -> Option<Token<'a>> {
        self.next_token()
    }
}

fn is_xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r') || c >= ' '
}

fn is_name(s: &str) -> bool {
    !s.is_empty() && name_length(s) == s.len()
}

/// Length in bytes of the XML name at the start of `s`.
fn name_length(s: &str) -> usize {
    // ASCII names (nearly all of them) without decoding characters.
    let bytes = s.as_bytes();
    let ascii = bytes
        .iter()
        .enumerate()
        .position(|(i, &b)| {
            !(b.is_ascii_alphabetic()
                || b == b'_'
                || b == b':'
                || (i > 0 && (b.is_ascii_digit() || b == b'-' || b == b'.')))
        })
        .unwrap_or(bytes.len());
    if bytes.get(ascii).is_none_or(u8::is_ascii) {
        return ascii;
    }
    let mut len = 0;
    for (i, c) in s.char_indices() {
        let ok = if i == 0 {
            c.is_alphabetic() || c == '_' || c == ':'
        } else {
            c.is_alphanumeric() || matches!(c, '_' | ':' | '-' | '.') || c == '\u{B7}'
        };
        if !ok {
            break;
        }
        len = i + c.len_utf8();
    }
    len
}

/// Attribute-value normalisation: tabs and newlines become spaces.
fn normalize_attribute_whitespace(value: Cow<'_, str>) -> Cow<'_, str> {
    if value.contains(['\n', '\t']) {
        Cow::Owned(value.replace(['\n', '\t'], " "))
    } else {
        value
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tokens(src: &str) -> (Vec<Token<'_>>, Option<XmlProblem>) {
        let mut t = Tokenizer::new(src);
        let v: Vec<_> = t.by_ref().collect();
        (v, t.problem)
    }

    #[test]
    fn well_formed_has_no_problem() {
        let (v, p) = tokens("<?xml version='1.0'?><a x='1 &amp; 2'><b>t&lt;</b><c/></a>");
        assert!(p.is_none(), "{p:?}");
        assert_eq!(v.len(), 7);
        assert_eq!(
            v[0],
            Token::Start {
                name: "a",
                attrs: vec![Attr {
                    name: "x",
                    value: Cow::Borrowed("1 & 2")
                }]
            }
        );
    }

    #[test]
    fn undeclared_entity_resolves_and_flags_with_position() {
        let (v, p) = tokens("<a>\n<b>caf&eacute;</b></a>");
        assert!(v.contains(&Token::Text(Cow::Owned("café".into()))));
        let p = p.unwrap();
        assert_eq!((p.line, p.column), (2, 7));
    }

    #[test]
    fn missing_end_tags_are_closed() {
        let (v, p) = tokens("<a><b><c>x</a>");
        assert!(p.is_some());
        let ends: Vec<_> = v
            .iter()
            .filter_map(|t| match t {
                Token::End { name } => Some(*name),
                _ => None,
            })
            .collect();
        assert_eq!(ends, ["c", "b", "a"]);
    }

    #[test]
    fn deep_nesting_is_capped() {
        let src = "<a>".repeat(MAX_DEPTH * 4);
        let (v, p) = tokens(&src);
        assert!(p.is_some());
        assert!(v.len() <= MAX_DEPTH * 2);
    }
}
