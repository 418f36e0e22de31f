//! All untrusted HTML from feeds passes through here before it is stored.

use std::sync::OnceLock;
use url::Url;

/// Cleans feed HTML with ammonia: no scripts, no event handlers, no `javascript:` URLs, no
/// inline styles; relative links and images are made absolute against `base`, and links get
/// `rel="nofollow noopener noreferrer"`.
pub fn sanitize_html(html: &str, base: Option<&Url>) -> String {
    match base {
        Some(base) => {
            let mut builder = ammonia::Builder::default();
            builder
                .url_relative(ammonia::UrlRelative::RewriteWithBase(base.clone()))
                .link_rel(Some("nofollow noopener noreferrer"));
            builder.clean(html).to_string()
        }
        None => without_base().clean(html).to_string(),
    }
}

fn without_base() -> &'static ammonia::Builder<'static> {
    static BUILDER: OnceLock<ammonia::Builder<'static>> = OnceLock::new();
    BUILDER.get_or_init(|| {
        let mut builder = ammonia::Builder::default();
        builder
            .url_relative(ammonia::UrlRelative::Deny)
            .link_rel(Some("nofollow noopener noreferrer"));
        builder
    })
}
