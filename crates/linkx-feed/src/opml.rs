//! OPML subscription lists in and out.

use crate::discover::parse_attributes;

/// One subscription of an OPML file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpmlOutline {
    pub title: Option<String>,
    pub xml_url: String,
    pub html_url: Option<String>,
}

/// Every `<outline xmlUrl="…">` in document order, nested folders flattened. Tolerates broken XML.
pub fn parse_opml(text: &str) -> Vec<OpmlOutline> {
    let mut out = Vec::new();
    let lower = text.to_ascii_lowercase();
    let mut from = 0;
    while let Some(pos) = lower[from..].find("<outline") {
        let start = from + pos + "<outline".len();
        let end = lower[start..].find('>').map_or(lower.len(), |e| start + e);
        from = end;
        let attrs = parse_attributes(&text[start..end]);
        let get = |name: &str| {
            attrs
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.trim().to_string())
                .filter(|v| !v.is_empty())
        };
        if let Some(xml_url) = get("xmlurl") {
            out.push(OpmlOutline {
                title: get("title").or_else(|| get("text")),
                xml_url,
                html_url: get("htmlurl"),
            });
        }
    }
    out
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// An OPML 2.0 document listing `outlines`.
pub fn write_opml(title: &str, outlines: &[OpmlOutline]) -> String {
    let mut out = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<opml version=\"2.0\">\n<head><title>{}</title></head>\n<body>\n",
        escape(title)
    );
    for o in outlines {
        let name = escape(o.title.as_deref().unwrap_or(&o.xml_url));
        out.push_str(&format!(
            "<outline type=\"rss\" text=\"{name}\" title=\"{name}\" xmlUrl=\"{}\"",
            escape(&o.xml_url)
        ));
        if let Some(html) = &o.html_url {
            out.push_str(&format!(" htmlUrl=\"{}\"", escape(html)));
        }
        out.push_str("/>\n");
    }
    out.push_str("</body>\n</opml>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_nested_folders() {
        let outlines = vec![
            OpmlOutline {
                title: Some("A & B".into()),
                xml_url: "https://a.org/feed?x=1&y=2".into(),
                html_url: Some("https://a.org/".into()),
            },
            OpmlOutline {
                title: None,
                xml_url: "https://b.org/rss".into(),
                html_url: None,
            },
        ];
        let text = write_opml("Mine", &outlines);
        let mut parsed = parse_opml(&text);
        parsed[1].title = None;
        assert_eq!(parsed, outlines);
        let nested = r#"<opml><body><outline text="News"><outline text="X" xmlUrl="https://x.org/f"/></outline></body></opml>"#;
        assert_eq!(parse_opml(nested)[0].xml_url, "https://x.org/f");
    }
}
