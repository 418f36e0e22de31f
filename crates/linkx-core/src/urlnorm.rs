//! URL normalisation for deduplication: the same article reached through a tracking link,
//! a different letter case in the host or a fragment must map to one key.

use url::Url;

/// Query parameters that only track the reader and never select content.
fn is_tracking_param(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    lower.starts_with("utm_")
        || lower.starts_with("mc_")
        || lower.starts_with("pk_")
        || lower.starts_with("hsa_")
        || matches!(
            lower.as_str(),
            "fbclid"
                | "gclid"
                | "gclsrc"
                | "dclid"
                | "msclkid"
                | "yclid"
                | "igshid"
                | "twclid"
                | "_ga"
                | "_gl"
                | "mkt_tok"
                | "oly_anon_id"
                | "oly_enc_id"
                | "rb_clickid"
                | "s_cid"
                | "vero_id"
                | "wt_mc"
                | "at_medium"
                | "at_campaign"
                | "cmpid"
                | "ocid"
                | "ns_mchannel"
                | "ns_source"
                | "ns_campaign"
                | "ns_linkname"
                | "ns_fee"
        )
}

/// Removes tracking parameters and the fragment, keeping everything that selects content.
/// The scheme and host are already lowercased by the URL parser; default ports are dropped.
pub fn strip_tracking(url: &Url) -> Url {
    let mut out = url.clone();
    out.set_fragment(None);
    if url.query().is_some() {
        let kept: Vec<(String, String)> = url
            .query_pairs()
            .filter(|(k, _)| !is_tracking_param(k))
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        if kept.is_empty() {
            out.set_query(None);
        } else {
            out.query_pairs_mut().clear().extend_pairs(kept);
        }
    }
    out
}

/// The deduplication key of an article URL: tracking stripped, `http` and `https` treated alike,
/// a trailing slash on a non-root path ignored.
pub fn canonical_key(url: &Url) -> String {
    let clean = strip_tracking(url);
    let host = clean.host_str().unwrap_or("");
    let host = host.strip_prefix("www.").unwrap_or(host);
    let mut key = String::with_capacity(clean.as_str().len());
    key.push_str(host);
    if let Some(port) = clean.port() {
        key.push(':');
        key.push_str(&port.to_string());
    }
    let path = clean.path();
    key.push_str(if path.len() > 1 {
        path.trim_end_matches('/')
    } else {
        path
    });
    if let Some(q) = clean.query() {
        key.push('?');
        key.push_str(q);
    }
    key
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(s: &str) -> String {
        canonical_key(&Url::parse(s).unwrap())
    }

    #[test]
    fn tracking_parameters_and_fragments_do_not_split_an_article() {
        let plain = key("https://news.example.org/2026/11/story?id=7");
        assert_eq!(
            key("https://NEWS.example.org/2026/11/story?utm_source=x&id=7&fbclid=abc#top"),
            plain
        );
        assert_eq!(
            key("http://www.news.example.org/2026/11/story/?id=7&gclid=1"),
            plain
        );
        assert_ne!(key("https://news.example.org/2026/11/story?id=8"), plain);
    }

    #[test]
    fn strip_tracking_keeps_content_parameters() {
        let u = Url::parse("https://e.org/a?utm_medium=rss&page=2").unwrap();
        assert_eq!(strip_tracking(&u).as_str(), "https://e.org/a?page=2");
        let u = Url::parse("https://e.org/a?utm_medium=rss").unwrap();
        assert_eq!(strip_tracking(&u).as_str(), "https://e.org/a");
    }
}
