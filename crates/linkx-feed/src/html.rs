//! HTML inside feeds (descriptions, content, titles marked as HTML): relative links made
//! absolute against the element's base, and everything not on a whitelist removed, written
//! back in a normalised form (lowercase names, sorted double-quoted attributes, `<br />`).
//!
//! This is the parser-level cleaning that gives `linkx feed parse` feedparser's output; the
//! pipeline additionally runs ammonia ([`crate::sanitize_html`]) before anything is stored.
//! Must never let through a script, an event handler, a `javascript:`/`data:` URL or a style
//! that can hide or overlay content.

use crate::entities::html_entity;
use crate::urls::{is_acceptable_scheme, join_url};

const VOID_ELEMENTS: &[&str] = &[
    "area", "base", "basefont", "br", "col", "command", "embed", "frame", "hr", "img", "input",
    "isindex", "keygen", "link", "meta", "param", "source", "track", "wbr",
];

/// Elements kept by the sanitizer.
const ACCEPTABLE_ELEMENTS: &[&str] = &[
    "a",
    "abbr",
    "acronym",
    "address",
    "area",
    "article",
    "aside",
    "audio",
    "b",
    "big",
    "bdi",
    "bdo",
    "blockquote",
    "br",
    "button",
    "canvas",
    "caption",
    "center",
    "cite",
    "code",
    "col",
    "colgroup",
    "command",
    "datagrid",
    "datalist",
    "dd",
    "del",
    "details",
    "dfn",
    "dialog",
    "dir",
    "div",
    "dl",
    "dt",
    "em",
    "event-source",
    "fieldset",
    "figcaption",
    "figure",
    "font",
    "footer",
    "form",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "header",
    "hr",
    "i",
    "img",
    "input",
    "ins",
    "kbd",
    "keygen",
    "label",
    "legend",
    "li",
    "m",
    "map",
    "mark",
    "menu",
    "meter",
    "multicol",
    "nav",
    "nextid",
    "noscript",
    "ol",
    "optgroup",
    "option",
    "output",
    "p",
    "pre",
    "progress",
    "q",
    "rp",
    "rt",
    "ruby",
    "s",
    "samp",
    "section",
    "select",
    "small",
    "sound",
    "source",
    "spacer",
    "span",
    "strike",
    "strong",
    "sub",
    "summary",
    "sup",
    "table",
    "tbody",
    "td",
    "textarea",
    "tfoot",
    "th",
    "thead",
    "time",
    "tr",
    "tt",
    "u",
    "ul",
    "var",
    "video",
    "wbr",
];

/// Elements whose content goes with them.
const DROPPED_WITH_CONTENT: &[&str] = &["script", "style", "applet"];

/// Attributes kept by the sanitizer (URL-valued ones are also checked for their scheme).
const ACCEPTABLE_ATTRIBUTES: &[&str] = &[
    "abbr",
    "accept",
    "accept-charset",
    "accesskey",
    "action",
    "align",
    "alt",
    "autocomplete",
    "autofocus",
    "autoplay",
    "axis",
    "background",
    "balance",
    "bgcolor",
    "bgproperties",
    "border",
    "bordercolor",
    "bordercolordark",
    "bordercolorlight",
    "bottompadding",
    "cellpadding",
    "cellspacing",
    "ch",
    "challenge",
    "char",
    "charoff",
    "charset",
    "checked",
    "choff",
    "cite",
    "class",
    "clear",
    "color",
    "cols",
    "colspan",
    "compact",
    "contenteditable",
    "controls",
    "coords",
    "data",
    "datafld",
    "datapagesize",
    "datasrc",
    "datetime",
    "default",
    "delay",
    "dir",
    "disabled",
    "draggable",
    "dynsrc",
    "enctype",
    "end",
    "face",
    "for",
    "form",
    "frame",
    "galleryimg",
    "gutter",
    "headers",
    "height",
    "hidden",
    "hidefocus",
    "high",
    "href",
    "hreflang",
    "hspace",
    "icon",
    "id",
    "inputmode",
    "ismap",
    "keytype",
    "label",
    "lang",
    "leftspacing",
    "list",
    "longdesc",
    "loop",
    "loopcount",
    "loopend",
    "loopstart",
    "low",
    "lowsrc",
    "max",
    "maxlength",
    "media",
    "method",
    "min",
    "multiple",
    "name",
    "nohref",
    "noshade",
    "nowrap",
    "open",
    "optimum",
    "pattern",
    "ping",
    "point-size",
    "poster",
    "pqg",
    "preload",
    "prompt",
    "radiogroup",
    "readonly",
    "rel",
    "repeat-max",
    "repeat-min",
    "replace",
    "required",
    "rev",
    "rightspacing",
    "rows",
    "rowspan",
    "rules",
    "scope",
    "selected",
    "shape",
    "size",
    "span",
    "src",
    "start",
    "step",
    "style",
    "summary",
    "suppress",
    "tabindex",
    "target",
    "template",
    "title",
    "toppadding",
    "type",
    "unselectable",
    "urn",
    "usemap",
    "valign",
    "value",
    "variable",
    "volume",
    "vrml",
    "vspace",
    "width",
    "wrap",
    "xml:lang",
];

/// Attributes whose value is a URL: resolved against the base, and dropped when their scheme
/// could run code.
const URL_ATTRIBUTES: &[&str] = &[
    "action",
    "background",
    "cite",
    "codebase",
    "data",
    "dynsrc",
    "href",
    "longdesc",
    "lowsrc",
    "poster",
    "profile",
    "src",
    "usemap",
];

const CSS_PROPERTIES: &[&str] = &[
    "azimuth",
    "background-color",
    "border-bottom-color",
    "border-collapse",
    "border-color",
    "border-left-color",
    "border-right-color",
    "border-top-color",
    "clear",
    "color",
    "cursor",
    "direction",
    "display",
    "elevation",
    "float",
    "font",
    "font-family",
    "font-size",
    "font-style",
    "font-variant",
    "font-weight",
    "height",
    "letter-spacing",
    "line-height",
    "overflow",
    "pause",
    "pause-after",
    "pause-before",
    "pitch",
    "pitch-range",
    "richness",
    "speak",
    "speak-header",
    "speak-numeral",
    "speak-punctuation",
    "speech-rate",
    "stress",
    "text-align",
    "text-decoration",
    "text-indent",
    "unicode-bidi",
    "vertical-align",
    "voice-family",
    "volume",
    "white-space",
    "width",
];

const CSS_KEYWORDS: &[&str] = &[
    "auto",
    "aqua",
    "black",
    "block",
    "blue",
    "bold",
    "both",
    "bottom",
    "brown",
    "center",
    "collapse",
    "dashed",
    "dotted",
    "fuchsia",
    "gray",
    "green",
    "!important",
    "italic",
    "left",
    "lime",
    "maroon",
    "medium",
    "none",
    "navy",
    "normal",
    "nowrap",
    "olive",
    "pointer",
    "purple",
    "red",
    "right",
    "solid",
    "silver",
    "teal",
    "top",
    "transparent",
    "underline",
    "white",
    "yellow",
];

/// Whether the sanitizer keeps `name` (lowercase).
pub fn is_acceptable_element(name: &str) -> bool {
    ACCEPTABLE_ELEMENTS.contains(&name)
}

/// What to do with a fragment.
#[derive(Debug, Clone, Copy)]
pub struct HtmlOptions<'a> {
    /// Base for relative links; empty leaves them relative.
    pub base: &'a str,
    pub sanitize: bool,
    /// XHTML content: `<x/>` closes the element it opens.
    pub xhtml: bool,
}

/// Rewrites an HTML fragment: relative URLs resolved, and (when asked) unsafe markup removed.
pub fn clean_html(source: &str, options: HtmlOptions<'_>) -> String {
    let mut writer = Writer {
        out: String::with_capacity(source.len() + 16),
        options,
        dropping: 0,
    };
    let source = if options.sanitize && source.contains("<![CDATA[") {
        std::borrow::Cow::Owned(source.replace("<![CDATA[", "&lt;![CDATA["))
    } else {
        std::borrow::Cow::Borrowed(source)
    };
    writer.run(&source);
    if options.sanitize {
        let trimmed = writer.out.trim();
        if trimmed.contains("\r\n") {
            trimmed.replace("\r\n", "\n")
        } else {
            trimmed.to_string()
        }
    } else {
        writer.out
    }
}

struct Writer<'o> {
    out: String,
    options: HtmlOptions<'o>,
    /// Depth inside elements dropped together with their content.
    dropping: usize,
}

impl Writer<'_> {
    fn run(&mut self, src: &str) {
        let mut rest = src;
        while !rest.is_empty() {
            let Some(lt) = rest.find(['<', '&']) else {
                self.text(rest);
                break;
            };
            self.text(&rest[..lt]);
            rest = &rest[lt..];
            rest = if rest.starts_with('&') {
                self.reference(rest)
            } else {
                self.markup(rest)
            };
        }
    }

    fn text(&mut self, text: &str) {
        if self.dropping == 0 {
            self.out.push_str(text);
        }
    }

    /// At `&`: keeps known references as written, escapes everything else.
    fn reference<'s>(&mut self, rest: &'s str) -> &'s str {
        let body = &rest[1..];
        if let Some(num) = body.strip_prefix('#') {
            let (digits, hex) = match num.strip_prefix(['x', 'X']) {
                Some(h) => (
                    &h[..h.find(|c: char| !c.is_ascii_hexdigit()).unwrap_or(h.len())],
                    true,
                ),
                None => (
                    &num[..num.find(|c: char| !c.is_ascii_digit()).unwrap_or(num.len())],
                    false,
                ),
            };
            let value = if hex {
                u32::from_str_radix(digits, 16).ok()
            } else {
                digits.parse::<u32>().ok()
            };
            if let Some(value) = value.filter(|_| !digits.is_empty()) {
                let consumed = 2 + usize::from(hex) + digits.len();
                let after = &rest[consumed..];
                let after = after.strip_prefix(';').unwrap_or(after);
                let written = match value {
                    39 => "'".to_string(),
                    34 => "\"".to_string(),
                    128..=159 => match crate::cp1252(value) {
                        Some(c) => format!("&#x{:x};", u32::from(c)),
                        None => format!("&#{value};"),
                    },
                    _ if hex => format!("&#x{};", digits.to_ascii_lowercase()),
                    _ => format!("&#{digits};"),
                };
                self.text(&written);
                return after;
            }
        } else {
            let len = body
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '.' || c == '-'))
                .unwrap_or(body.len());
            if len > 0 && body.starts_with(|c: char| c.is_ascii_alphabetic()) {
                let name = &body[..len];
                let after = &body[len..];
                let after = after.strip_prefix(';').unwrap_or(after);
                let known = html_entity(name).is_some() || name == "apos";
                let written = if known {
                    format!("&{name};")
                } else {
                    format!("&amp;{name}")
                };
                self.text(&written);
                return after;
            }
        }
        self.text("&");
        body
    }

    /// At `<`: a tag, comment or declaration; a `<` that starts none of these is text.
    fn markup<'s>(&mut self, rest: &'s str) -> &'s str {
        let body = &rest[1..];
        if let Some(comment) = body.strip_prefix("!--") {
            // An unterminated comment ends at the first `>` after a `--`, as browsers of the
            // time did; never at the end of the input, which would hide what follows.
            let end = comment.find("-->").map(|e| e + 3).or_else(|| {
                let dashes = comment.find("--")?;
                comment[dashes..].find('>').map(|gt| dashes + gt + 1)
            });
            let end = end.unwrap_or(comment.len());
            if !self.options.sanitize {
                self.text(&rest[..4 + end.min(comment.len())]);
            }
            return &comment[end.min(comment.len())..];
        }
        if let Some(declaration) = body.strip_prefix('!') {
            let is_decl = declaration.starts_with('[')
                || declaration
                    .get(..7)
                    .is_some_and(|k| k.eq_ignore_ascii_case("DOCTYPE"));
            if !is_decl {
                self.text("&lt;");
                return body;
            }
            let Some(end) = body.find('>').map(|e| e + 1) else {
                self.text("&lt;");
                return body;
            };
            if !self.options.sanitize {
                self.text(&rest[..1 + end]);
            }
            return &body[end..];
        }
        if let Some(pi) = body.strip_prefix('?') {
            let end = pi.find('>').map_or(pi.len(), |e| e + 1);
            if !self.options.sanitize {
                self.text(&rest[..2 + end]);
            }
            return &pi[end..];
        }
        if let Some(end_tag) = body.strip_prefix('/') {
            let name_len = tag_name_length(end_tag);
            if name_len == 0 {
                self.text("&lt;");
                return body;
            }
            let name = end_tag[..name_len].to_ascii_lowercase();
            let after = &end_tag[name_len..];
            let after = after.find('>').map_or("", |gt| &after[gt + 1..]);
            self.end_tag(&name);
            return after;
        }
        let name_len = tag_name_length(body);
        if name_len == 0 {
            self.text("&lt;");
            return body;
        }
        let name = body[..name_len].to_ascii_lowercase();
        let (attrs, self_closing, after) = parse_attributes(&body[name_len..]);
        self.start_tag(&name, attrs);
        if self_closing && (self.options.xhtml || !VOID_ELEMENTS.contains(&name.as_str())) {
            self.end_tag(&name);
        }
        after
    }

    fn start_tag(&mut self, name: &str, attrs: Vec<(String, String)>) {
        if self.options.sanitize {
            if DROPPED_WITH_CONTENT.contains(&name) {
                self.dropping += 1;
                return;
            }
            if !ACCEPTABLE_ELEMENTS.contains(&name) || self.dropping > 0 {
                return;
            }
        }
        let mut attrs = normalize_attributes(attrs);
        let mut written = String::with_capacity(16);
        written.push('<');
        written.push_str(name);
        for (key, value) in attrs.drain(..) {
            let value = if URL_ATTRIBUTES.contains(&key.as_str()) {
                let resolved = join_url(self.options.base, value.trim());
                if !is_safe_url(&resolved) {
                    if self.options.sanitize && key != "href" {
                        continue;
                    }
                    String::new()
                } else {
                    resolved
                }
            } else {
                value
            };
            if self.options.sanitize {
                if key == "style" {
                    let clean = sanitize_style(&value);
                    if !clean.is_empty() {
                        push_attribute(&mut written, &key, &clean);
                    }
                    continue;
                }
                if !ACCEPTABLE_ATTRIBUTES.contains(&key.as_str()) {
                    continue;
                }
            }
            push_attribute(&mut written, &key, &value);
        }
        if VOID_ELEMENTS.contains(&name) {
            written.push_str(" />");
        } else {
            written.push('>');
        }
        self.out.push_str(&written);
    }

    fn end_tag(&mut self, name: &str) {
        if self.options.sanitize {
            if DROPPED_WITH_CONTENT.contains(&name) {
                self.dropping = self.dropping.saturating_sub(1);
                return;
            }
            if !ACCEPTABLE_ELEMENTS.contains(&name) || self.dropping > 0 {
                return;
            }
        }
        if !VOID_ELEMENTS.contains(&name) {
            self.out.push_str("</");
            self.out.push_str(name);
            self.out.push('>');
        }
    }
}

fn push_attribute(out: &mut String, key: &str, value: &str) {
    out.push(' ');
    out.push_str(key);
    out.push_str("=\"");
    let mut rest = value;
    while let Some(i) = rest.find(['<', '>', '"', '&']) {
        out.push_str(&rest[..i]);
        let tail = &rest[i..];
        match tail.as_bytes().first() {
            Some(b'<') => out.push_str("&lt;"),
            Some(b'>') => out.push_str("&gt;"),
            Some(b'"') => out.push_str("&quot;"),
            _ => {
                if starts_with_reference(tail) {
                    out.push('&');
                } else {
                    out.push_str("&amp;");
                }
            }
        }
        rest = &tail[1..];
    }
    out.push_str(rest);
    out.push('"');
}

/// Whether `s` (starting at `&`) is `&#123;`, `&#x1F;` or `&name;`.
fn starts_with_reference(s: &str) -> bool {
    let body = &s[1..];
    let (digits, ok): (&str, fn(char) -> bool) = if let Some(hex) = body.strip_prefix("#x") {
        (hex, |c| c.is_ascii_hexdigit())
    } else if let Some(dec) = body.strip_prefix('#') {
        (dec, |c| c.is_ascii_digit())
    } else {
        (body, |c| c.is_alphanumeric() || c == '_')
    };
    let len = digits.find(|c: char| !ok(c)).unwrap_or(digits.len());
    len > 0 && digits[len..].starts_with(';')
}

fn is_safe_url(url: &str) -> bool {
    let url = url.trim();
    if url.is_empty() {
        return true;
    }
    match url.split_once(':') {
        Some((scheme, _))
            if !scheme.contains(['/', '?', '#'])
                && scheme
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c)) =>
        {
            is_acceptable_scheme(&scheme.to_ascii_lowercase())
        }
        // Control characters or whitespace inside a scheme (`java\tscript:`): never safe.
        Some((scheme, _)) if !scheme.contains(['/', '?', '#']) => false,
        _ => true,
    }
}

/// Lowercases names, keeps the last of duplicates, lowercases `rel`/`type` values, sorts.
fn normalize_attributes(attrs: Vec<(String, String)>) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::with_capacity(attrs.len());
    for (key, value) in attrs {
        let value = if key == "rel" || key == "type" {
            value.to_lowercase()
        } else {
            value
        };
        match out.iter_mut().find(|(k, _)| *k == key) {
            Some(existing) => existing.1 = value,
            None => out.push((key, value)),
        }
    }
    out.sort();
    out
}

fn tag_name_length(s: &str) -> usize {
    if !s.starts_with(|c: char| c.is_ascii_alphabetic()) {
        return 0;
    }
    s.find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | ':' | '.')))
        .unwrap_or(s.len())
}

/// Parses `attr="v" …>`; returns the attributes (names lowercased, values as written), whether
/// the tag ended with `/>`, and the text after the tag.
fn parse_attributes(s: &str) -> (Vec<(String, String)>, bool, &str) {
    let mut attrs = Vec::new();
    let mut rest = s;
    loop {
        rest = rest.trim_start();
        if rest.starts_with('/') && !rest.starts_with("/>") {
            rest = &rest[1..];
            continue;
        }
        if rest.is_empty() {
            return (attrs, false, rest);
        }
        if let Some(after) = rest.strip_prefix("/>") {
            return (attrs, true, after);
        }
        if let Some(after) = rest.strip_prefix('>') {
            return (attrs, false, after);
        }
        if rest.starts_with('<') {
            return (attrs, false, rest);
        }
        let name_len = rest
            .find(|c: char| c.is_whitespace() || matches!(c, '=' | '>' | '/' | '<'))
            .unwrap_or(rest.len())
            .max(rest.chars().next().map_or(1, char::len_utf8));
        let name = rest[..name_len].to_ascii_lowercase();
        rest = rest[name_len..].trim_start();
        let value = if let Some(after_eq) = rest.strip_prefix('=') {
            let after_eq = after_eq.trim_start();
            match after_eq.chars().next() {
                Some(q @ ('"' | '\'')) => {
                    let body = &after_eq[1..];
                    let end = body.find(q).unwrap_or(body.len());
                    rest = body.get(end + 1..).unwrap_or("");
                    body[..end].to_string()
                }
                _ => {
                    let end = after_eq
                        .find(|c: char| c.is_whitespace() || c == '>')
                        .unwrap_or(after_eq.len());
                    rest = &after_eq[end..];
                    after_eq[..end].to_string()
                }
            }
        } else {
            name.clone()
        };
        let valid_name = name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | ':' | '.'));
        if valid_name {
            attrs.push((name, value));
        }
    }
}

/// Keeps only harmless declarations of an inline style: known properties with plain values;
/// anything with `url(`, `expression(`, escapes or comments empties the whole style.
pub fn sanitize_style(style: &str) -> String {
    let lowered = style.to_ascii_lowercase();
    if lowered.contains("url(")
        || lowered.contains("expression")
        || style.contains(['\\', '/', '<', '>', '@', '{', '}'])
        || !style
            .chars()
            .all(|c| c.is_alphanumeric() || c.is_whitespace() || ":,;#%.!-_'\"()".contains(c))
    {
        return String::new();
    }
    let mut clean = Vec::new();
    for declaration in style.split(';') {
        if declaration.trim().is_empty() {
            continue;
        }
        let Some((prop, value)) = declaration.split_once(':') else {
            return String::new();
        };
        let prop = prop.trim();
        let value = value.trim();
        if value.is_empty() {
            continue;
        }
        let lower = prop.to_ascii_lowercase();
        let acceptable = if CSS_PROPERTIES.contains(&lower.as_str()) {
            true
        } else if matches!(
            lower.split('-').next(),
            Some("background" | "border" | "margin" | "padding")
        ) {
            value.split_whitespace().all(is_plain_css_value)
        } else {
            false
        };
        if acceptable {
            clean.push(format!("{prop}: {value};"));
        }
    }
    clean.join(" ")
}

fn is_plain_css_value(keyword: &str) -> bool {
    if CSS_KEYWORDS.contains(&keyword) {
        return true;
    }
    if let Some(hex) = keyword.strip_prefix('#') {
        return matches!(hex.len(), 3 | 6) && hex.chars().all(|c| c.is_ascii_hexdigit());
    }
    if keyword.starts_with("rgb(") {
        return keyword.ends_with(')')
            && keyword[4..keyword.len() - 1]
                .chars()
                .all(|c| c.is_ascii_digit() || c == ',' || c == ' ' || c == '%');
    }
    let number_end = keyword
        .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == '-'))
        .unwrap_or(keyword.len());
    if number_end == 0 || keyword[..number_end].len() > 4 {
        return false;
    }
    matches!(
        &keyword[number_end..],
        "" | "%" | "em" | "ex" | "px" | "pt" | "pc" | "in" | "cm" | "mm"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sanitize(s: &str) -> String {
        clean_html(
            s,
            HtmlOptions {
                base: "http://example.com/a/",
                sanitize: true,
                xhtml: false,
            },
        )
    }

    #[test]
    fn scripts_handlers_and_javascript_urls_go() {
        assert_eq!(
            sanitize("<p onclick=\"x()\">hi<script>alert(1)</script></p>"),
            "<p>hi</p>"
        );
        assert_eq!(
            sanitize("<a href=\"javascript:alert(1)\">x</a>"),
            "<a href=\"\">x</a>"
        );
        assert_eq!(sanitize("<img src=\"data:text/html,x\">"), "<img />");
    }

    #[test]
    fn relative_links_resolve_and_attributes_normalise() {
        assert_eq!(
            sanitize("<A TITLE='t' HREF=\"b.html\">x</A><br/>"),
            "<a href=\"http://example.com/a/b.html\" title=\"t\">x</a><br />"
        );
    }

    #[test]
    fn styles_keep_only_plain_values() {
        assert_eq!(
            sanitize_style("color: red; position: absolute"),
            "color: red;"
        );
        assert_eq!(sanitize_style("background: url(javascript:x)"), "");
        assert_eq!(sanitize_style("margin-bottom: 0pt"), "margin-bottom: 0pt;");
    }
}
