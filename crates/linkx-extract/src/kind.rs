//! What kind of page this is: an article, or something that must not be published as one
//! (a paywall or consent wall, a home/section/tag page, a video page without text).

use crate::metadata::PageMeta;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum PageKind {
    #[default]
    Article,
    /// The text is behind a subscription: only a teaser is on the page.
    Paywall,
    /// A cookie or consent interstitial stands in for the page.
    ConsentWall,
    /// A home, section, tag or search page, or a video page without an article's text.
    NotArticle,
}

impl PageKind {
    pub fn as_str(self) -> &'static str {
        match self {
            PageKind::Article => "article",
            PageKind::Paywall => "paywall",
            PageKind::ConsentWall => "consent_wall",
            PageKind::NotArticle => "not_article",
        }
    }
}

const CONSENT_PHRASES: &[&str] = &[
    "cookie",
    "consent",
    "accept all",
    "privacy settings",
    "manage preferences",
    "we value your privacy",
    "personalised ads",
    "personalized ads",
];

const PAYWALL_PHRASES: &[&str] = &[
    "subscribe to continue",
    "subscribe to read",
    "to continue reading",
    "for subscribers only",
    "subscribers only",
    "already a subscriber",
    "this article is for subscribers",
    "create a free account to continue",
    "you have reached your limit",
    "log in to continue reading",
];

const LISTING_TYPES: &[&str] = &["CollectionPage", "ItemList", "SearchResultsPage", "WebSite"];

/// `link_density`: the share of the extracted text inside links (lists of headlines are
/// mostly links).
pub fn classify(text: &str, meta: &PageMeta, link_density: f64) -> PageKind {
    let lower = text.to_lowercase();
    let words = linkx_core::text::word_count(text);
    let mentions = |phrases: &[&str]| phrases.iter().filter(|p| lower.contains(*p)).count();
    if words < 150 && mentions(CONSENT_PHRASES) >= 2 {
        return PageKind::ConsentWall;
    }
    if (meta.paywalled && words < 400) || (words < 250 && mentions(PAYWALL_PHRASES) >= 1) {
        return PageKind::Paywall;
    }
    let listing = !meta.ld_types.is_empty()
        && meta
            .ld_types
            .iter()
            .all(|t| LISTING_TYPES.contains(&t.as_str()));
    let video = meta
        .og_type
        .as_deref()
        .is_some_and(|t| t.starts_with("video"));
    if words < 40 || ((listing || video) && words < 150) || (link_density > 0.5 && words < 1000) {
        return PageKind::NotArticle;
    }
    PageKind::Article
}
