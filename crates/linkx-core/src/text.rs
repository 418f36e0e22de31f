//! Plain text from (already sanitized or untrusted) HTML, and excerpts of it.
//!
//! This is a tolerant scanner, not an HTML parser: it must never panic and never return markup.

/// Block-level elements whose boundaries become paragraph breaks in plain text.
fn is_block(tag: &str) -> bool {
    matches!(
        tag,
        "address"
            | "article"
            | "aside"
            | "blockquote"
            | "br"
            | "dd"
            | "div"
            | "dl"
            | "dt"
            | "figcaption"
            | "figure"
            | "footer"
            | "h1"
            | "h2"
            | "h3"
            | "h4"
            | "h5"
            | "h6"
            | "header"
            | "hr"
            | "li"
            | "main"
            | "nav"
            | "ol"
            | "p"
            | "pre"
            | "section"
            | "table"
            | "td"
            | "th"
            | "tr"
            | "ul"
    )
}

/// Elements whose content is never text a reader sees.
fn is_hidden(tag: &str) -> bool {
    matches!(
        tag,
        "script"
            | "style"
            | "noscript"
            | "template"
            | "iframe"
            | "object"
            | "svg"
            | "button"
            | "select"
    )
}

/// One paragraph of an HTML fragment as plain text.
#[derive(Debug, Clone, PartialEq)]
pub struct HtmlParagraph {
    /// Entities decoded, whitespace collapsed.
    pub text: String,
    /// The share of the text's characters inside links (0 to 1): high for navigation.
    pub link_share: f64,
}

/// Converts HTML to text: tags dropped, entities decoded, paragraphs separated by blank lines,
/// runs of whitespace collapsed.
pub fn html_to_text(html: &str) -> String {
    html_paragraphs(html)
        .into_iter()
        .map(|p| p.text)
        .collect::<Vec<_>>()
        .join("\n\n")
}

/// The paragraphs of an HTML fragment (split at block elements; hidden elements skipped),
/// each with how much of it is link text.
pub fn html_paragraphs(html: &str) -> Vec<HtmlParagraph> {
    let mut paragraphs = Vec::new();
    let mut current = Paragraph::default();
    let mut in_link = 0usize;
    let mut rest = html;
    let mut hidden_until: Option<String> = None;
    while !rest.is_empty() {
        match rest.find('<') {
            Some(lt) => {
                if hidden_until.is_none() {
                    current.push_text(&rest[..lt], in_link > 0);
                }
                let after = &rest[lt + 1..];
                if after.starts_with("!--") {
                    rest = after.find("-->").map_or("", |end| &after[end + 3..]);
                    continue;
                }
                let end = after.find('>').unwrap_or(after.len());
                let tag_src = &after[..end];
                rest = after.get(end + 1..).unwrap_or("");
                let closing = tag_src.starts_with('/');
                let name: String = tag_src
                    .trim_start_matches('/')
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric())
                    .collect::<String>()
                    .to_ascii_lowercase();
                if let Some(waiting) = &hidden_until {
                    if closing && *waiting == name {
                        hidden_until = None;
                    }
                    continue;
                }
                if !closing && is_hidden(&name) && !tag_src.ends_with('/') {
                    hidden_until = Some(name);
                    continue;
                }
                if name == "a" {
                    in_link = if closing {
                        in_link.saturating_sub(1)
                    } else {
                        in_link + 1
                    };
                }
                if is_block(&name) {
                    current.flush_into(&mut paragraphs);
                }
            }
            None => {
                if hidden_until.is_none() {
                    current.push_text(rest, in_link > 0);
                }
                rest = "";
            }
        }
    }
    current.flush_into(&mut paragraphs);
    paragraphs
}

/// The paragraph being collected.
#[derive(Default)]
struct Paragraph {
    text: String,
    linked_chars: usize,
}

impl Paragraph {
    fn push_text(&mut self, raw: &str, linked: bool) {
        let decoded = decode_entities(raw);
        let space_before = decoded.starts_with(char::is_whitespace);
        let space_after = decoded.ends_with(char::is_whitespace);
        let separate = |current: &mut String| {
            if !current.is_empty() && !current.ends_with(' ') {
                current.push(' ');
            }
        };
        for (i, word) in decoded.split_whitespace().enumerate() {
            if i > 0 || space_before {
                separate(&mut self.text);
            }
            self.text.push_str(word);
            if linked {
                self.linked_chars += word.len();
            }
        }
        if space_after {
            separate(&mut self.text);
        }
    }

    fn flush_into(&mut self, paragraphs: &mut Vec<HtmlParagraph>) {
        let text = self.text.trim();
        if !text.is_empty() {
            paragraphs.push(HtmlParagraph {
                text: text.to_string(),
                link_share: self.linked_chars as f64 / text.len() as f64,
            });
        }
        self.text.clear();
        self.linked_chars = 0;
    }
}

/// Decodes the character references that matter in news text: numeric ones and the common
/// named ones. Unknown references are kept as written.
pub fn decode_entities(s: &str) -> String {
    if !s.contains('&') {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        let after = &rest[amp + 1..];
        let semi = after.find(';').filter(|&i| i <= 10);
        let decoded = semi.and_then(|i| decode_one(&after[..i]).map(|c| (c, i)));
        match decoded {
            Some((c, i)) => {
                out.push(c);
                rest = &after[i + 1..];
            }
            None => {
                out.push('&');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

fn decode_one(name: &str) -> Option<char> {
    if let Some(num) = name.strip_prefix('#') {
        let code = match num.strip_prefix(['x', 'X']) {
            Some(hex) => u32::from_str_radix(hex, 16).ok()?,
            None => num.parse::<u32>().ok()?,
        };
        return char::from_u32(code).filter(|c| *c != '\0');
    }
    Some(match name {
        "amp" => '&',
        "lt" => '<',
        "gt" => '>',
        "quot" => '"',
        "apos" => '\'',
        "nbsp" => '\u{a0}',
        "mdash" => '—',
        "ndash" => '–',
        "hellip" => '…',
        "lsquo" => '‘',
        "rsquo" => '’',
        "ldquo" => '“',
        "rdquo" => '”',
        "laquo" => '«',
        "raquo" => '»',
        "copy" => '©',
        "reg" => '®',
        "trade" => '™',
        "euro" => '€',
        "pound" => '£',
        "deg" => '°',
        "middot" => '·',
        "bull" => '•',
        "eacute" => 'é',
        "egrave" => 'è',
        "agrave" => 'à',
        "aacute" => 'á',
        "ouml" => 'ö',
        "uuml" => 'ü',
        "auml" => 'ä',
        "szlig" => 'ß',
        "ccedil" => 'ç',
        "ntilde" => 'ñ',
        _ => return None,
    })
}

/// The first `max_words` words of a text, ending with `…` when cut. Paragraph breaks are kept.
/// In scripts written without spaces (Chinese, Japanese…), where a whole paragraph is one
/// "word" between spaces, two characters count as a word and the text is cut at a character:
/// an excerpt stays an excerpt in every language.
pub fn excerpt(text: &str, max_words: usize) -> String {
    // In half-words: a word costs two, a character of a spaceless script one.
    let mut budget = max_words.saturating_mul(2);
    let mut out = String::new();
    for (i, paragraph) in text.split("\n\n").enumerate() {
        for (j, word) in paragraph.split_whitespace().enumerate() {
            let cost = half_words(word);
            let shown = match cost > budget {
                true => spaceless_prefix(word, budget),
                false => word,
            };
            if !shown.is_empty() && !out.is_empty() {
                out.push_str(if i > 0 && j == 0 { "\n\n" } else { " " });
            }
            out.push_str(shown);
            if cost > budget {
                out.push('…');
                return out;
            }
            budget -= cost;
        }
    }
    out
}

/// How many words `text` holds as a reader counts them: words between spaces, and in scripts
/// written without spaces two characters to the word (a Japanese paragraph is not one word).
pub fn word_count(text: &str) -> usize {
    text.split_whitespace()
        .map(half_words)
        .sum::<usize>()
        .div_ceil(2)
}

/// What a run of text between spaces counts, in half-words: two for a word, one for each
/// character of a spaceless script (at least two).
fn half_words(word: &str) -> usize {
    match word
        .chars()
        .filter(|&c| crate::script::spaceless(c))
        .count()
    {
        0 => 2,
        n => n.max(2),
    }
}

/// The start of `word` holding `characters` characters of a spaceless script (none when it
/// has none: a word of a spaced script is never cut).
fn spaceless_prefix(word: &str, characters: usize) -> &str {
    let mut seen = 0;
    for (at, c) in word.char_indices() {
        if crate::script::spaceless(c) {
            if seen == characters {
                return &word[..at];
            }
            seen += 1;
        }
    }
    if seen == 0 { "" } else { word }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_keeps_paragraphs_and_drops_scripts() {
        let html =
            "<p>One &amp; <b>two</b></p><script>alert(1)</script><p>Three&#8217;s</p><!-- x -->";
        assert_eq!(html_to_text(html), "One & two\n\nThree’s");
    }

    #[test]
    fn broken_markup_never_panics() {
        for s in [
            "<",
            "<p",
            "&",
            "&#xffffffff;",
            "<script>never closed",
            "a<!--",
            "é<é>",
        ] {
            let _ = html_to_text(s);
        }
        assert_eq!(html_to_text("a < b"), "a");
    }

    #[test]
    fn excerpt_cuts_at_word_limit() {
        assert_eq!(excerpt("a b c d", 2), "a b…");
        assert_eq!(excerpt("a b", 2), "a b");
        assert_eq!(excerpt("a b\n\nc d", 3), "a b\n\nc…");
        // Japanese has no spaces between words: two characters count as one, cut at a character.
        let japanese = "東京都心で記録的な大雨。".repeat(20);
        let cut = excerpt(&format!("速報 {japanese}\n\n{japanese}"), 10);
        assert_eq!(cut, "速報 東京都心で記録的な大雨。東京都心で記録…");
        assert_eq!(excerpt("大雨", 1), "大雨");
        assert_eq!(excerpt("Tokyo 大雨 rain", 2), "Tokyo 大雨…");
        assert_eq!(word_count("a b\n\nc d"), 4);
        assert_eq!(word_count(&japanese), 110, "two characters to the word");
    }
}
