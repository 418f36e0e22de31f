//! URL joining the way feed consumers expect it: absolute URLs are kept exactly as written,
//! relative ones are resolved against a base, and only schemes that cannot run code pass.

use url::Url;

/// Schemes a link in feed content may use.
const ACCEPTABLE_SCHEMES: &[&str] = &[
    "aim", "callto", "cvs", "facetime", "feed", "file", "ftp", "git", "gopher", "gtalk", "h323",
    "hdl", "http", "https", "imap", "irc", "irc6", "ircs", "itms", "magnet", "mailto", "mms",
    "msnim", "news", "nntp", "prospero", "rsync", "rtsp", "rtspu", "sftp", "shttp", "sip", "sips",
    "skype", "smb", "snews", "ssh", "svn", "svn+ssh", "telnet", "tel", "urn", "wais", "ymsg",
];

pub fn is_acceptable_scheme(scheme: &str) -> bool {
    ACCEPTABLE_SCHEMES.contains(&scheme)
}

/// The scheme of an absolute URL (`http` in `http://…`), if `s` has one.
pub fn scheme_of(s: &str) -> Option<&str> {
    let (scheme, _) = s.split_once(':')?;
    let valid = scheme.starts_with(|c: char| c.is_ascii_alphabetic())
        && scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    valid.then_some(scheme)
}

/// Resolves `reference` against `base`. An absolute reference is returned as written (less the
/// extra slashes of `http:///host`); with no usable base a relative one stays relative.
pub fn join_url(base: &str, reference: &str) -> String {
    let reference = collapse_scheme_slashes(reference);
    if scheme_of(&reference).is_some() || base.is_empty() {
        return reference;
    }
    match Url::parse(base).and_then(|b| b.join(&reference)) {
        Ok(joined) => joined.to_string(),
        Err(_) => reference,
    }
}

/// `http:////example.com` → `http://example.com`.
fn collapse_scheme_slashes(s: &str) -> String {
    if let Some(scheme) = scheme_of(s) {
        let after = &s[scheme.len() + 1..];
        if let Some(path) = after.strip_prefix("//") {
            let trimmed = path.trim_start_matches('/');
            if trimmed.len() != path.len() {
                return format!("{scheme}://{trimmed}");
            }
        }
    }
    s.to_string()
}

/// Like [`join_url`], but an unsafe scheme yields an empty string.
pub fn safe_join(base: &str, reference: &str) -> String {
    let joined = join_url(base, reference);
    match scheme_of(&joined) {
        Some(scheme) if !is_acceptable_scheme(&scheme.to_ascii_lowercase()) => String::new(),
        _ => joined,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn joins_like_a_feed_reader() {
        assert_eq!(join_url("http://a.com/b/c", "d"), "http://a.com/b/d");
        assert_eq!(join_url("http://a.com/b/c", "http://x.org"), "http://x.org");
        assert_eq!(join_url("", "d"), "d");
        assert_eq!(join_url("", "http:///x.org/"), "http://x.org/");
        assert_eq!(safe_join("http://a.com/", "javascript:alert(1)"), "");
    }
}
