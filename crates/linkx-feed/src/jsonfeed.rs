//! JSON Feed 1.0 / 1.1 into the same normalized document as the XML formats.

use crate::dates::parse_date;
use crate::document::{FeedDocument, ParseOptions};
use crate::html::{HtmlOptions, clean_html};
use crate::parse::FeedError;
use crate::urls::join_url as resolve;
use crate::value::{Dict, Value};
use serde_json::Value as Json;

pub fn parse_json_feed(
    bytes: &[u8],
    options: &ParseOptions<'_>,
) -> Result<FeedDocument, FeedError> {
    let root: Json = serde_json::from_slice(bytes)
        .map_err(|e| FeedError::NotAFeed(format!("invalid JSON: {e}")))?;
    let version_url = root.get("version").and_then(Json::as_str).unwrap_or("");
    let version = match version_url {
        v if v.contains("jsonfeed.org/version/1.1") => "json11",
        v if v.contains("jsonfeed.org/version/1") => "json1",
        _ => {
            return Err(FeedError::NotAFeed(
                "JSON without a jsonfeed.org version: not a JSON Feed".into(),
            ));
        }
    };
    let base = options.base_url.unwrap_or("");
    let text = |v: &Json, k: &str| v.get(k).and_then(Json::as_str).map(str::to_string);
    let mut feed = Dict::new();
    let put = |d: &mut Dict, k: &'static str, v: Option<String>| {
        if let Some(v) = v {
            d.insert(k.into(), Value::String(v));
        }
    };
    put(&mut feed, "title", text(&root, "title"));
    put(&mut feed, "subtitle", text(&root, "description"));
    if let Some(home) = text(&root, "home_page_url") {
        put(&mut feed, "link", Some(resolve(base, &home)));
    }
    if let Some(icon) = text(&root, "icon") {
        let mut image = Dict::new();
        image.insert("href".into(), Value::String(resolve(base, &icon)));
        feed.insert("image".into(), Value::Object(image));
    }
    put(&mut feed, "language", text(&root, "language"));
    put_authors(&mut feed, &root);

    let mut entries = Vec::new();
    for item in root
        .get("items")
        .and_then(Json::as_array)
        .into_iter()
        .flatten()
    {
        let mut e = Dict::new();
        let id = item.get("id").map(|v| match v {
            Json::String(s) => s.clone(),
            other => other.to_string(),
        });
        put(&mut e, "id", id);
        let link = text(item, "url").map(|u| resolve(base, &u));
        put(&mut e, "link", link.clone());
        put(&mut e, "title", text(item, "title"));
        let html_options = HtmlOptions {
            base: link.as_deref().unwrap_or(base),
            sanitize: options.sanitize,
            xhtml: false,
        };
        let mut content = Vec::new();
        if let Some(html) = text(item, "content_html") {
            content.push(detail("text/html", &clean_html(&html, html_options)));
        }
        if let Some(plain) = text(item, "content_text") {
            content.push(detail("text/plain", &plain));
        }
        let summary = text(item, "summary").or_else(|| {
            content
                .first()
                .and_then(|c| c.get("value"))
                .and_then(Value::as_str)
                .map(str::to_string)
        });
        put(&mut e, "summary", summary);
        if !content.is_empty() {
            e.insert(
                "content".into(),
                Value::Array(content.into_iter().map(Value::Object).collect()),
            );
        }
        for (key, field) in [
            ("published", "date_published"),
            ("updated", "date_modified"),
        ] {
            if let Some(date) = text(item, field) {
                let parsed = parse_date(&date)
                    .map(|d| Value::String(crate::dates::rfc3339_utc(&d)))
                    .unwrap_or(Value::Null);
                e.insert(key.into(), Value::String(date));
                e.insert(format!("{key}_parsed").into(), parsed);
            }
        }
        put_authors(&mut e, item);
        if let Some(image) = text(item, "image").or_else(|| text(item, "banner_image")) {
            let mut d = Dict::new();
            d.insert("href".into(), Value::String(resolve(base, &image)));
            e.insert("image".into(), Value::Object(d));
        }
        let tags: Vec<Value> = item
            .get("tags")
            .and_then(Json::as_array)
            .into_iter()
            .flatten()
            .filter_map(Json::as_str)
            .map(|t| {
                let mut d = Dict::new();
                d.insert("term".into(), Value::String(t.to_string()));
                d.insert("scheme".into(), Value::Null);
                d.insert("label".into(), Value::Null);
                Value::Object(d)
            })
            .collect();
        if !tags.is_empty() {
            e.insert("tags".into(), Value::Array(tags));
        }
        let mut links = Vec::new();
        if let Some(link) = &link {
            let mut d = Dict::new();
            d.insert("rel".into(), Value::String("alternate".into()));
            d.insert("type".into(), Value::String("text/html".into()));
            d.insert("href".into(), Value::String(link.clone()));
            links.push(Value::Object(d));
        }
        for attachment in item
            .get("attachments")
            .and_then(Json::as_array)
            .into_iter()
            .flatten()
        {
            let Some(url) = text(attachment, "url") else {
                continue;
            };
            let mut d = Dict::new();
            d.insert("rel".into(), Value::String("enclosure".into()));
            d.insert("href".into(), Value::String(resolve(base, &url)));
            if let Some(t) = text(attachment, "mime_type") {
                d.insert("type".into(), Value::String(t));
            }
            if let Some(n) = attachment.get("size_in_bytes").and_then(Json::as_u64) {
                d.insert("length".into(), Value::String(n.to_string()));
            }
            links.push(Value::Object(d));
        }
        if !links.is_empty() {
            e.insert("links".into(), Value::Array(links));
        }
        entries.push(e);
    }
    Ok(FeedDocument {
        bozo: false,
        bozo_exception: None,
        not_well_formed: false,
        encoding: "utf-8".into(),
        version: version.into(),
        feed,
        entries,
        namespaces: Dict::new(),
    })
}

fn detail(kind: &str, value: &str) -> Dict {
    crate::builder::detail_dict(kind, None, "", value)
}

/// JSON Feed 1.1 `authors` (or 1.0 `author`) to `author`, `author_detail` and `authors`.
fn put_authors(d: &mut Dict, v: &Json) {
    let list: Vec<&Json> = match (v.get("authors"), v.get("author")) {
        (Some(Json::Array(a)), _) => a.iter().collect(),
        (_, Some(one @ Json::Object(_))) => vec![one],
        _ => return,
    };
    let authors: Vec<Value> = list
        .iter()
        .map(|a| {
            let mut p = Dict::new();
            if let Some(n) = a.get("name").and_then(Json::as_str) {
                p.insert("name".into(), Value::String(n.into()));
            }
            if let Some(u) = a.get("url").and_then(Json::as_str) {
                p.insert("href".into(), Value::String(u.into()));
            }
            Value::Object(p)
        })
        .collect();
    if let Some(Value::Object(first)) = authors.first() {
        if let Some(name) = first.get("name") {
            d.insert("author".into(), name.clone());
        }
        d.insert("author_detail".into(), Value::Object(first.clone()));
    }
    d.insert("authors".into(), Value::Array(authors));
}
