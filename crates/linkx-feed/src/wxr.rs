//! WordPress export files (WXR: RSS 2.0 with the `wp:` namespace): the posts and their
//! comments, for importing a WordPress site's discussion. Read with the forgiving tokenizer, so
//! a damaged export still yields what it can. Text in, values out; never panics.

use crate::xml::{Token, Tokenizer};

/// A post (or page) of the export with its comments.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WxrPost {
    pub title: String,
    pub link: String,
    pub comments: Vec<WxrComment>,
}

/// One comment as WordPress stored it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WxrComment {
    pub id: i64,
    /// 0 for a top-level comment.
    pub parent: i64,
    pub author: String,
    pub email: String,
    pub url: String,
    /// `comment_date_gmt` as Unix seconds, when it parses.
    pub date: Option<i64>,
    /// WordPress's comment HTML (paragraphs as blank lines, a few inline tags).
    pub content: String,
    /// `1` approved, `0` held, `spam`, `trash`.
    pub approved: String,
    /// Empty or `comment` for comments; `pingback`, `trackback` otherwise.
    pub kind: String,
}

/// Local name of a possibly prefixed tag.
fn local(name: &str) -> &str {
    name.rsplit(':').next().unwrap_or(name)
}

/// `2024-05-06 07:08:09` (UTC) as Unix seconds.
fn parse_gmt(s: &str) -> Option<i64> {
    let t = chrono::NaiveDateTime::parse_from_str(s.trim(), "%Y-%m-%d %H:%M:%S").ok()?;
    let secs = t.and_utc().timestamp();
    // WordPress writes 0000-00-00 00:00:00 for "unknown".
    (secs > 0).then_some(secs)
}

/// Every post of a WXR export that has comments, in document order.
pub fn parse_wxr(text: &str) -> Vec<WxrPost> {
    let mut posts = Vec::new();
    let mut post: Option<WxrPost> = None;
    let mut comment: Option<WxrComment> = None;
    let mut path: Vec<String> = Vec::new();
    let mut buffer = String::new();
    for token in Tokenizer::new(text) {
        match token {
            Token::Start { name, .. } => {
                let name = name.to_ascii_lowercase();
                match (name.as_str(), path.last().map(String::as_str)) {
                    ("item", _) => post = Some(WxrPost::default()),
                    ("wp:comment", Some("item")) => comment = Some(WxrComment::default()),
                    _ => {}
                }
                path.push(name);
                buffer.clear();
            }
            Token::Text(t) => buffer.push_str(&t),
            Token::CData(t) => buffer.push_str(t),
            Token::End { name } => {
                let name = name.to_ascii_lowercase();
                let value = std::mem::take(&mut buffer);
                path.pop();
                let parent = path.last().map(String::as_str);
                if let Some(c) = comment.as_mut() {
                    if name == "wp:comment" {
                        if let (Some(p), Some(c)) = (post.as_mut(), comment.take()) {
                            p.comments.push(c);
                        }
                        continue;
                    }
                    if parent == Some("wp:comment") {
                        let v = value.trim();
                        match local(&name) {
                            "comment_id" => c.id = v.parse().unwrap_or(0),
                            "comment_parent" => c.parent = v.parse().unwrap_or(0),
                            "comment_author" => c.author = v.to_string(),
                            "comment_author_email" => c.email = v.to_string(),
                            "comment_author_url" => c.url = v.to_string(),
                            "comment_date_gmt" => c.date = parse_gmt(v),
                            "comment_content" => c.content = value.clone(),
                            "comment_approved" => c.approved = v.to_string(),
                            "comment_type" => c.kind = v.to_string(),
                            _ => {}
                        }
                    }
                    continue;
                }
                if let Some(p) = post.as_mut() {
                    match (name.as_str(), parent) {
                        ("item", _) => {
                            if let Some(p) = post.take()
                                && !p.comments.is_empty()
                            {
                                posts.push(p);
                            }
                        }
                        ("title", Some("item")) => p.title = value.trim().to_string(),
                        ("link", Some("item")) => p.link = value.trim().to_string(),
                        _ => {}
                    }
                }
            }
        }
    }
    posts
}

#[cfg(test)]
mod tests {
    use super::parse_wxr;

    #[test]
    fn damaged_exports_yield_what_they_can() {
        assert!(parse_wxr("").is_empty());
        assert!(parse_wxr("<rss><channel><item><title>x").is_empty());
        let partial = parse_wxr(
            "<rss><channel><item><title>T</title><link>https://a.example/t</link>\
             <wp:comment><wp:comment_id>4</wp:comment_id><wp:comment_content>Hi &amp; bye",
        );
        assert!(partial.len() <= 1);
    }
}
