//! Keeps parsing time and memory bounded whatever the page: a prefix of at most
//! [`crate::MAX_HTML_BYTES`] bytes and [`crate::MAX_ELEMENTS`] start tags, and nesting
//! flattened below [`MAX_DEPTH`] (tree building and scoring cost grows with depth).

use std::borrow::Cow;

/// Elements nested deeper than this lose their tags (their text stays).
pub const MAX_DEPTH: usize = 400;

const VOID: &[&str] = &[
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source",
    "track", "wbr",
];

/// The part of `html` that will be parsed.
pub fn bounded_prefix(html: &str, max_bytes: usize, max_elements: usize) -> &str {
    let bytes = html.as_bytes();
    let limit = bytes.len().min(max_bytes);
    let mut elements = 0;
    let mut end = limit;
    for (i, window) in bytes[..limit].windows(2).enumerate() {
        if window[0] == b'<' && window[1].is_ascii_alphabetic() {
            elements += 1;
            if elements > max_elements {
                end = i;
                break;
            }
        }
    }
    while !html.is_char_boundary(end) {
        end -= 1;
    }
    &html[..end]
}

/// `html` with start and end tags beyond [`MAX_DEPTH`] removed; borrowed when nothing is that
/// deep.
pub fn flatten_deep_nesting(html: &str) -> Cow<'_, str> {
    let mut stack: Vec<(&str, bool)> = Vec::new();
    let mut out: Option<String> = None;
    let mut copied_to = 0;
    let mut pos = 0;
    let bytes = html.as_bytes();
    while let Some(offset) = html[pos..].find('<') {
        let start = pos + offset;
        let Some(len) = html[start..].find('>') else {
            break;
        };
        let end = start + len + 1;
        pos = end;
        let tag = &html[start + 1..end - 1];
        let closing = tag.starts_with('/');
        let name_start = usize::from(closing);
        let name_len = tag[name_start..]
            .find(|c: char| !c.is_ascii_alphanumeric())
            .unwrap_or(tag.len() - name_start);
        if name_len == 0 || bytes.get(start + 1) == Some(&b'!') {
            continue;
        }
        let name = &tag[name_start..name_start + name_len];
        let keep = if closing {
            match stack
                .iter()
                .rev()
                .take(64)
                .position(|(n, _)| n.eq_ignore_ascii_case(name))
            {
                Some(back) => {
                    let index = stack.len() - 1 - back;
                    let emitted = stack[index].1;
                    stack.truncate(index);
                    emitted
                }
                None => true,
            }
        } else if tag.ends_with('/') || VOID.iter().any(|v| v.eq_ignore_ascii_case(name)) {
            true
        } else {
            let emitted = stack.len() < MAX_DEPTH;
            if stack.len() < 1_000_000 {
                stack.push((name, emitted));
            }
            emitted
        };
        if !keep {
            let buffer = out.get_or_insert_with(|| String::with_capacity(html.len()));
            buffer.push_str(&html[copied_to..start]);
            copied_to = end;
        }
    }
    match out {
        Some(mut buffer) => {
            buffer.push_str(&html[copied_to..]);
            Cow::Owned(buffer)
        }
        None => Cow::Borrowed(html),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deep_nesting_is_flattened_and_shallow_pages_are_untouched() {
        let page = "<div><p>x</p></div>";
        assert!(matches!(flatten_deep_nesting(page), Cow::Borrowed(_)));
        let deep = format!("{}text{}", "<div>".repeat(1000), "</div>".repeat(1000));
        let flat = flatten_deep_nesting(&deep);
        assert_eq!(flat.matches("<div>").count(), MAX_DEPTH);
        assert_eq!(flat.matches("</div>").count(), MAX_DEPTH);
        assert!(flat.contains("text"));
    }

    #[test]
    fn prefix_stops_at_the_element_budget() {
        let page = "<p>a</p>".repeat(100);
        assert_eq!(
            bounded_prefix(&page, 1 << 20, 10).matches("<p>").count(),
            10
        );
    }
}
