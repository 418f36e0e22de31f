//! Comment Markdown to safe HTML: pulldown-cmark with raw HTML shown as text, images turned
//! into links, then ammonia with a short allow-list. Links are marked `nofollow ugc noopener`
//! and may only be http(s) or mailto. Whatever a reader types, the output cannot run script
//! or break out of the comment.

use ammonia::{Builder, UrlRelative};
use pulldown_cmark::{CowStr, Event, Options, Parser, Tag, TagEnd};
use std::collections::HashSet;
use std::sync::LazyLock;

static SANITIZER: LazyLock<Builder<'static>> = LazyLock::new(|| {
    let mut b = Builder::empty();
    b.add_tags([
        "p",
        "br",
        "em",
        "strong",
        "del",
        "code",
        "pre",
        "blockquote",
        "ul",
        "ol",
        "li",
        "a",
        "hr",
    ])
    .add_tag_attributes("a", ["href", "title"])
    .url_schemes(HashSet::from(["http", "https", "mailto"]))
    .url_relative(UrlRelative::Deny)
    .link_rel(Some("nofollow ugc noopener"))
    .clean_content_tags(HashSet::from(["script", "style"]));
    b
});

/// The comment as HTML, and how many links it contains (for the `max_links` rule).
pub fn render(markdown: &str) -> (String, usize) {
    let events =
        Parser::new_ext(markdown, Options::ENABLE_STRIKETHROUGH).map(|event| match event {
            // Raw HTML is never interpreted: the reader sees what they typed.
            Event::Html(html) | Event::InlineHtml(html) => Event::Text(html),
            // Images would load from third parties in every reader's browser; a link does not.
            Event::Start(Tag::Image {
                link_type,
                dest_url,
                title,
                id,
            }) => Event::Start(Tag::Link {
                link_type,
                dest_url,
                title,
                id,
            }),
            Event::End(TagEnd::Image) => Event::End(TagEnd::Link),
            // Headings in a comment would shout over the article's own.
            Event::Start(Tag::Heading { .. }) => Event::Start(Tag::Paragraph),
            Event::End(TagEnd::Heading(_)) => Event::End(TagEnd::Paragraph),
            Event::Start(Tag::CodeBlock(_)) => {
                Event::Start(Tag::CodeBlock(pulldown_cmark::CodeBlockKind::Indented))
            }
            Event::FootnoteReference(label) => Event::Text(CowStr::from(format!("[^{label}]"))),
            other => other,
        });
    let mut html = String::with_capacity(markdown.len() * 5 / 4 + 16);
    pulldown_cmark::html::push_html(&mut html, events);
    let clean = SANITIZER.clean(&html).to_string();
    let links = count_links(markdown);
    (clean, links)
}

/// A comment imported from WordPress (its HTML, paragraphs as blank lines, as `wpautop` reads
/// it) through the same allow-list: the HTML to show and its plain text.
pub fn render_wordpress(content: &str) -> (String, String) {
    let html: String = content
        .replace("\r\n", "\n")
        .split("\n\n")
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|p| format!("<p>{}</p>\n", p.replace('\n', "<br>\n")))
        .collect();
    let clean = SANITIZER.clean(&html).to_string();
    let text = linkx_core::text::html_to_text(&clean);
    (clean, text)
}

/// Web addresses in the source, linked or not: a bare URL is as much a spam link as a
/// Markdown one.
fn count_links(markdown: &str) -> usize {
    let lower = markdown.to_ascii_lowercase();
    let schemes = lower.matches("://").count();
    let bare_www = lower
        .match_indices("www.")
        .filter(|(i, _)| !lower[..*i].ends_with("//"))
        .count();
    schemes + bare_www
}

#[cfg(test)]
mod tests {
    use super::render;

    #[test]
    fn markdown_renders_and_links_are_marked() {
        let (html, links) = render("Hello *world*, see [the report](https://ex.org/a).");
        assert_eq!(
            html,
            "<p>Hello <em>world</em>, see <a href=\"https://ex.org/a\" rel=\"nofollow ugc noopener\">the report</a>.</p>\n"
        );
        assert_eq!(links, 1);
    }

    #[test]
    fn raw_html_is_text() {
        let (html, _) = render("<script>alert(1)</script> <b onclick=x>hi</b>");
        assert!(!html.contains("<script"), "{html}");
        assert!(!html.contains("<b"), "{html}");
        assert!(html.contains("&lt;script&gt;"), "{html}");
    }
}
