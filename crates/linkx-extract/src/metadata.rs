//! Page metadata from every place publishers put it, best first: JSON-LD (`NewsArticle` and
//! kin, also inside `@graph`), OpenGraph and Twitter cards, microdata (`itemprop`), plain
//! `<meta>` and `<link rel="canonical">`, `<html lang>`.

use dom_query::Document;
use serde_json::Value;

#[derive(Debug, Default, Clone)]
pub struct PageMeta {
    pub title: Option<String>,
    pub byline: Option<String>,
    pub description: Option<String>,
    pub published: Option<String>,
    pub updated: Option<String>,
    pub lang: Option<String>,
    pub site_name: Option<String>,
    pub image: Option<String>,
    pub canonical: Option<String>,
    pub article_body: Option<String>,
    /// `og:type` (`article`, `website`, `video.other`, …).
    pub og_type: Option<String>,
    /// Every JSON-LD `@type` on the page.
    pub ld_types: Vec<String>,
    /// JSON-LD `isAccessibleForFree: false`: the publisher says the text is paywalled.
    pub paywalled: bool,
}

const ARTICLE_TYPES: &[&str] = &[
    "Article",
    "NewsArticle",
    "ReportageNewsArticle",
    "AnalysisNewsArticle",
    "OpinionNewsArticle",
    "BackgroundNewsArticle",
    "ReviewNewsArticle",
    "BlogPosting",
    "LiveBlogPosting",
    "TechArticle",
    "ScholarlyArticle",
    "Report",
];

pub fn read(doc: &Document, url: Option<&str>) -> PageMeta {
    let mut meta = PageMeta::default();
    let base = url.and_then(|u| url::Url::parse(u).ok());
    let absolute = |href: &str| -> Option<String> {
        let href = href.trim();
        if href.is_empty() {
            return None;
        }
        match &base {
            Some(b) => b.join(href).ok().map(|u| u.to_string()),
            None => url::Url::parse(href).ok().map(|u| u.to_string()),
        }
    };
    let content = |selector: &str| -> Option<String> {
        doc.select(selector)
            .iter()
            .find_map(|n| n.attr("content").map(|c| c.trim().to_string()))
            .filter(|c| !c.is_empty())
    };

    let article = json_ld_article(doc, &mut meta);
    if let Some(a) = &article {
        meta.title = text_field(a, "headline").or_else(|| text_field(a, "name"));
        meta.article_body = text_field(a, "articleBody");
        meta.description = text_field(a, "description");
        meta.published = text_field(a, "datePublished");
        meta.updated = text_field(a, "dateModified");
        meta.byline = people(a.get("author"));
        meta.image = image_url(a.get("image")).and_then(|i| absolute(&i));
        meta.site_name = a.get("publisher").and_then(|p| text_field(p, "name"));
        meta.lang = text_field(a, "inLanguage");
        meta.paywalled = matches!(a.get("isAccessibleForFree"), Some(Value::Bool(false)))
            || a.get("isAccessibleForFree")
                .and_then(Value::as_str)
                .is_some_and(|s| s.eq_ignore_ascii_case("false"));
    }

    meta.title = meta
        .title
        .take()
        .or_else(|| content("meta[property='og:title']"))
        .or_else(|| content("meta[name='twitter:title']"));
    meta.description = meta
        .description
        .take()
        .or_else(|| content("meta[property='og:description']"))
        .or_else(|| content("meta[name='description']"))
        .or_else(|| content("meta[name='twitter:description']"));
    meta.site_name = meta
        .site_name
        .take()
        .or_else(|| content("meta[property='og:site_name']"))
        .or_else(|| content("meta[name='application-name']"));
    meta.image = meta.image.take().or_else(|| {
        content("meta[property='og:image']")
            .or_else(|| content("meta[property='og:image:url']"))
            .or_else(|| content("meta[name='twitter:image']"))
            .or_else(|| content("meta[name='twitter:image:src']"))
            .or_else(|| content("meta[itemprop='image']"))
            .and_then(|i| absolute(&i))
    });
    meta.published = meta.published.take().or_else(|| {
        content("meta[property='article:published_time']")
            .or_else(|| content("meta[itemprop='datePublished']"))
            .or_else(|| attr(doc, "[itemprop='datePublished']", "datetime"))
            .or_else(|| content("meta[name='pubdate']"))
            .or_else(|| content("meta[name='publishdate']"))
            .or_else(|| content("meta[name='date']"))
            .or_else(|| content("meta[name='DC.date.issued']"))
            .or_else(|| content("meta[name='dcterms.created']"))
            .or_else(|| attr(doc, "time[pubdate]", "datetime"))
            .or_else(|| attr(doc, "article time[datetime]", "datetime"))
    });
    meta.updated = meta.updated.take().or_else(|| {
        content("meta[property='article:modified_time']")
            .or_else(|| content("meta[property='og:updated_time']"))
            .or_else(|| content("meta[itemprop='dateModified']"))
            .or_else(|| attr(doc, "[itemprop='dateModified']", "datetime"))
    });
    meta.byline = meta.byline.take().or_else(|| {
        content("meta[name='author']")
            .or_else(|| {
                content("meta[property='article:author']").filter(|a| !a.starts_with("http"))
            })
            .or_else(|| {
                let node = doc.select("[itemprop='author'] [itemprop='name'], [itemprop='author']");
                let text = node.first().text().to_string();
                let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
                (!text.is_empty() && text.len() < 120).then_some(text)
            })
            .or_else(|| {
                content("meta[name='byl']").map(|b| b.trim_start_matches("By ").to_string())
            })
    });
    meta.og_type = content("meta[property='og:type']").map(|t| t.to_ascii_lowercase());
    meta.canonical = attr(doc, "link[rel='canonical']", "href")
        .and_then(|h| absolute(&h))
        .or_else(|| content("meta[property='og:url']").and_then(|h| absolute(&h)));
    meta.lang = meta
        .lang
        .take()
        .or_else(|| attr(doc, "html", "lang"))
        .or_else(|| attr(doc, "html", "xml:lang"))
        .or_else(|| content("meta[http-equiv='content-language']"))
        .or_else(|| content("meta[property='og:locale']").map(|l| l.replace('_', "-")))
        .map(|l| l.split(',').next().unwrap_or("").trim().to_string())
        .filter(|l| !l.is_empty() && l.len() <= 35);
    meta
}

fn attr(doc: &Document, selector: &str, name: &str) -> Option<String> {
    doc.select(selector)
        .iter()
        .find_map(|n| n.attr(name).map(|v| v.trim().to_string()))
        .filter(|v| !v.is_empty())
}

/// The first article object in the page's JSON-LD; records every `@type` seen.
fn json_ld_article(doc: &Document, meta: &mut PageMeta) -> Option<Value> {
    let mut found = None;
    for script in doc.select("script[type='application/ld+json']").iter() {
        let raw = script.text();
        let Ok(value) = serde_json::from_str::<Value>(raw.trim()) else {
            continue;
        };
        let mut stack = vec![value];
        while let Some(v) = stack.pop() {
            match v {
                Value::Array(items) => stack.extend(items),
                Value::Object(mut o) => {
                    if let Some(graph) = o.remove("@graph") {
                        stack.push(graph);
                    }
                    let types: Vec<String> = match o.get("@type") {
                        Some(Value::String(t)) => vec![t.clone()],
                        Some(Value::Array(ts)) => ts
                            .iter()
                            .filter_map(Value::as_str)
                            .map(str::to_string)
                            .collect(),
                        _ => Vec::new(),
                    };
                    let is_article = types.iter().any(|t| ARTICLE_TYPES.contains(&t.as_str()));
                    meta.ld_types.extend(types);
                    if is_article && found.is_none() {
                        found = Some(Value::Object(o));
                    }
                }
                _ => {}
            }
        }
    }
    found
}

fn text_field(v: &Value, key: &str) -> Option<String> {
    match v.get(key)? {
        Value::String(s) => Some(s.trim().to_string()).filter(|s| !s.is_empty()),
        Value::Array(items) => items.iter().find_map(Value::as_str).map(str::to_string),
        _ => None,
    }
}

/// `"author": "A"`, `{"name": "A"}` or a list of either, as "A, B".
fn people(v: Option<&Value>) -> Option<String> {
    let names: Vec<String> = match v? {
        Value::String(s) => vec![s.clone()],
        Value::Object(_) => v.and_then(|o| text_field(o, "name")).into_iter().collect(),
        Value::Array(items) => items
            .iter()
            .filter_map(|i| match i {
                Value::String(s) => Some(s.clone()),
                other => text_field(other, "name"),
            })
            .collect(),
        _ => Vec::new(),
    };
    let names: Vec<String> = names
        .into_iter()
        .map(|n| n.trim().to_string())
        .filter(|n| !n.is_empty() && !n.starts_with("http"))
        .collect();
    (!names.is_empty()).then(|| names.join(", "))
}

fn image_url(v: Option<&Value>) -> Option<String> {
    match v? {
        Value::String(s) => Some(s.clone()),
        Value::Object(o) => o
            .get("url")
            .or_else(|| o.get("contentUrl"))
            .and_then(Value::as_str)
            .map(str::to_string),
        Value::Array(items) => items.iter().find_map(|i| image_url(Some(i))),
        _ => None,
    }
}
